/// A terminal colour: the 8 basic ANSI colours, their bright variants, or the terminal's default.
public enum Color: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The terminal's own foreground or background (what `use_default_colors` gives).
    case `default`
    case black, red, green, yellow, blue, magenta, cyan, white
    case brightBlack, brightRed, brightGreen, brightYellow, brightBlue, brightMagenta, brightCyan, brightWhite

    /// The ANSI index 0–15, or nil for ``default``.
    public var ansiIndex: Int? {
        switch self {
        case .default: return nil
        case .black: return 0
        case .red: return 1
        case .green: return 2
        case .yellow: return 3
        case .blue: return 4
        case .magenta: return 5
        case .cyan: return 6
        case .white: return 7
        case .brightBlack: return 8
        case .brightRed: return 9
        case .brightGreen: return 10
        case .brightYellow: return 11
        case .brightBlue: return 12
        case .brightMagenta: return 13
        case .brightCyan: return 14
        case .brightWhite: return 15
        }
    }

    /// Whether this is one of the bright variants (index 8–15).
    public var isBright: Bool { (ansiIndex ?? 0) >= 8 }

    /// The basic colour of a bright variant (``brightRed`` → ``red``); other colours are returned unchanged.
    public var basic: Color {
        guard let index = ansiIndex, index >= 8 else { return self }
        return Color.allCases[index - 8 + 1]
    }

    /// The lower-camel-case name, as used in snapshot style markup (`brightRed`).
    public var description: String {
        switch self {
        case .default: return "default"
        case .black: return "black"
        case .red: return "red"
        case .green: return "green"
        case .yellow: return "yellow"
        case .blue: return "blue"
        case .magenta: return "magenta"
        case .cyan: return "cyan"
        case .white: return "white"
        case .brightBlack: return "brightBlack"
        case .brightRed: return "brightRed"
        case .brightGreen: return "brightGreen"
        case .brightYellow: return "brightYellow"
        case .brightBlue: return "brightBlue"
        case .brightMagenta: return "brightMagenta"
        case .brightCyan: return "brightCyan"
        case .brightWhite: return "brightWhite"
        }
    }
}
