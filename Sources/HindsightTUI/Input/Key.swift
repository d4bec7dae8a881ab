/// A key press, decoded from the terminal's input.
///
/// Control combinations are ``ctrl(_:)`` with a lowercase letter (`.ctrl("c")` for Ctrl-C), or the
/// punctuation of the control code (`.ctrl("@")`, `.ctrl("\\")`, `.ctrl("]")`, `.ctrl("^")`, `.ctrl("_")`).
/// Ctrl-I, Ctrl-M/Ctrl-J and Ctrl-H arrive as ``tab``, ``enter`` and ``backspace``: terminals send the same bytes.
public enum Key: Hashable, Sendable {
    /// A printable character (including space).
    case char(Character)
    /// A control combination, e.g. `.ctrl("c")`.
    case ctrl(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    /// F1 ... F63.
    case function(Int)
}

extension Key: CustomStringConvertible {
    /// How the key is written in help text and the README: `q`, `Space`, `↑`, `PgDn`, `Ctrl-C`, `Shift-Tab`, `F5`.
    public var description: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .ctrl(let c): return "Ctrl-" + String(c).uppercased()
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .backspace: return "Backspace"
        case .delete: return "Del"
        case .function(let n): return "F\(n)"
        }
    }

    /// The keys written as in help text, joined by `/` (e.g. `j/↓`).
    public static func describe(_ keys: [Key], separator: String = "/") -> String {
        keys.map(\.description).joined(separator: separator)
    }
}

extension Key {
    /// Parses the notation of ``description`` (case-insensitive names; `Up`, `PgDown`, `Esc`, `C-c`, `^C` also accepted).
    ///
    /// A single character is ``char(_:)``; nil when the text names no key.
    public init?(parsing text: String) {
        if text.count == 1, let c = text.first {
            switch c {
            case "↑": self = .up
            case "↓": self = .down
            case "←": self = .left
            case "→": self = .right
            default: self = .char(c)
            }
            return
        }
        let lower = text.lowercased()
        for prefix in ["ctrl-", "ctrl+", "c-", "^"] where lower.hasPrefix(prefix) {
            let rest = lower.dropFirst(prefix.count)
            guard rest.count == 1, let c = rest.first else { return nil }
            self = .ctrl(c)
            return
        }
        if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...63).contains(n) {
            self = .function(n)
            return
        }
        switch lower {
        case "space": self = .char(" ")
        case "up": self = .up
        case "down": self = .down
        case "left": self = .left
        case "right": self = .right
        case "pgup", "pageup": self = .pageUp
        case "pgdn", "pgdown", "pagedown": self = .pageDown
        case "home": self = .home
        case "end": self = .end
        case "enter", "return": self = .enter
        case "esc", "escape": self = .escape
        case "tab": self = .tab
        case "shift-tab", "backtab": self = .backTab
        case "backspace", "bs": self = .backspace
        case "del", "delete": self = .delete
        default: return nil
        }
    }
}
