/// Everything a key can ask the explorer to do.
public enum ExplorerAction: Sendable, Hashable {
    case up, down, pageUp, pageDown
    case timelineBack, timelineForward, jumpBack, jumpForward
    case first, last, jump
    case nextPane, previousPane
    case open, back
    case search, nextMatch, previousMatch
    case filter, clearFilter
    case mark, export, follow, verify
    case watch, watchForward, watchBackward, blame, lastChange
    case help, quit
}

/// One key binding: the keys, what they do, and how help shows them.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    /// How help writes the keys ("↑/k").
    public var label: String
    public var action: ExplorerAction
    public var description: String
    public var section: String
    /// A short name for the help bar, when it appears there.
    public var bar: String?
}

/// The key table: it drives dispatch, the `?` overlay, the help bar and the README's key list.
public enum KeyMap {
    public static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.up, .char("k")], label: "↑ k", action: .up, description: "previous event (in the state and diff panes: scroll)", section: "Move", bar: nil),
        KeyBinding(keys: [.down, .char("j")], label: "↓ j", action: .down, description: "next event (in the state and diff panes: scroll)", section: "Move", bar: "↑↓ step"),
        KeyBinding(keys: [.pageUp], label: "PgUp", action: .pageUp, description: "a page up", section: "Move", bar: nil),
        KeyBinding(keys: [.pageDown], label: "PgDn", action: .pageDown, description: "a page down", section: "Move", bar: nil),
        KeyBinding(keys: [.left, .char("h")], label: "← h", action: .timelineBack, description: "back along the timeline (one scrubber column)", section: "Time travel", bar: nil),
        KeyBinding(keys: [.right, .char("l")], label: "→ l", action: .timelineForward, description: "forward along the timeline (one scrubber column)", section: "Time travel", bar: "←→ scrub"),
        KeyBinding(keys: [.char("[")], label: "[", action: .jumpBack, description: "back 10% of the timeline", section: "Time travel", bar: nil),
        KeyBinding(keys: [.char("]")], label: "]", action: .jumpForward, description: "forward 10% of the timeline", section: "Time travel", bar: nil),
        KeyBinding(keys: [.home, .char("g")], label: "Home g", action: .first, description: "first event", section: "Time travel", bar: nil),
        KeyBinding(keys: [.end, .char("G")], label: "End G", action: .last, description: "last event", section: "Time travel", bar: nil),
        KeyBinding(keys: [.char(":")], label: ":", action: .jump, description: "jump to an offset, a time (2026-11-21T15:00:00Z) or a version (v3)", section: "Time travel", bar: ": jump"),
        KeyBinding(keys: [.tab], label: "Tab", action: .nextPane, description: "next pane (events, state, diff)", section: "Panes", bar: nil),
        KeyBinding(keys: [.backTab], label: "Shift-Tab", action: .previousPane, description: "previous pane", section: "Panes", bar: nil),
        KeyBinding(keys: [.enter], label: "Enter", action: .open, description: "this record's versions only (in the state pane: fold/unfold)", section: "Panes", bar: "⏎ versions"),
        KeyBinding(keys: [.escape], label: "Esc", action: .back, description: "back to all events; close prompts and help", section: "Panes", bar: nil),
        KeyBinding(keys: [.char("/")], label: "/", action: .search, description: "search text in keys, types, ids and data", section: "Find", bar: "/ search"),
        KeyBinding(keys: [.char("n")], label: "n", action: .nextMatch, description: "next match", section: "Find", bar: nil),
        KeyBinding(keys: [.char("N")], label: "N", action: .previousMatch, description: "previous match", section: "Find", bar: nil),
        KeyBinding(keys: [.char("f")], label: "f", action: .filter, description: "filter by key or type (key:K, type:T)", section: "Find", bar: "f filter"),
        KeyBinding(keys: [.char("F")], label: "F", action: .clearFilter, description: "clear the filter", section: "Find", bar: nil),
        KeyBinding(keys: [.char("w")], label: "w", action: .watch, description: "set a watch expression (e.g. balance < 0, changed(status))", section: "Debug", bar: nil),
        KeyBinding(keys: [.char(">")], label: ">", action: .watchForward, description: "run forward to where the watch turns true", section: "Debug", bar: nil),
        KeyBinding(keys: [.char("<")], label: "<", action: .watchBackward, description: "run backward to where the watch turned true (reverse-continue)", section: "Debug", bar: nil),
        KeyBinding(keys: [.char("b")], label: "b", action: .blame, description: "blame: show which event last set each field of the state", section: "Debug", bar: nil),
        KeyBinding(keys: [.char("c")], label: "c", action: .lastChange, description: "jump to the event that last changed the state field at the cursor", section: "Debug", bar: nil),
        KeyBinding(keys: [.char("m")], label: "m", action: .mark, description: "set mark A, then B: the diff pane shows A vs B (the record's, or with all events shown, every record's) (again: clear)", section: "Compare", bar: "m mark"),
        KeyBinding(keys: [.char("e")], label: "e", action: .export, description: "export the audit log of the current view to a file", section: "Compare", bar: nil),
        KeyBinding(keys: [.char("L")], label: "L", action: .follow, description: "follow the log as another process appends", section: "Log", bar: "L follow"),
        KeyBinding(keys: [.char("V")], label: "V", action: .verify, description: "verify checksums and the hash chain now", section: "Log", bar: nil),
        KeyBinding(keys: [.char("?")], label: "?", action: .help, description: "this help", section: "Log", bar: "? help"),
        KeyBinding(keys: [.char("q"), .ctrl("c")], label: "q Ctrl-C", action: .quit, description: "quit", section: "Log", bar: "q quit"),
    ]

    static let table: [Key: ExplorerAction] = {
        var t: [Key: ExplorerAction] = [:]
        for b in bindings { for k in b.keys { t[k] = b.action } }
        return t
    }()

    /// The action bound to a key.
    public static func action(for key: Key) -> ExplorerAction? { table[key] }

    /// Help overlay entries.
    public static var helpEntries: [HelpEntry] {
        bindings.map { HelpEntry(keys: $0.label, description: $0.description, section: $0.section) }
            + [HelpEntry(keys: "mouse", description: "click the scrubber to jump there; the wheel scrolls", section: "Panes")]
    }

    /// The help bar's items.
    public static var barItems: [String] { bindings.compactMap(\.bar) }

    /// The key list as a Markdown table (the README's key map is generated from this).
    public static func markdownTable() -> String {
        var out = "| Keys | Action |\n|---|---|\n"
        for b in bindings {
            out += "| `\(b.label.replacingOccurrences(of: " ", with: "` `"))` | \(b.description) |\n"
        }
        out += "| mouse | click the scrubber to jump there; the wheel scrolls |\n"
        return out
    }
}
