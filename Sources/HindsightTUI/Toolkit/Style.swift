/// How a cell looks: foreground and background colours plus text attributes.
///
/// Build styles fluently: `Style(fg: .cyan).bold()`, `Style.plain.reversed()`.
/// ``patched(with:)`` layers one style over another (used for highlights over styled text).
public struct Style: Sendable, Hashable, CustomStringConvertible {
    public var fg: Color
    public var bg: Color
    public var bold: Bool
    public var dim: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(
        fg: Color = .default, bg: Color = .default,
        bold: Bool = false, dim: Bool = false, reverse: Bool = false, underline: Bool = false
    ) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }

    /// Default colours, no attributes.
    public static let plain = Style()

    /// Whether this is ``plain``.
    public var isPlain: Bool { self == .plain }

    /// A copy with the foreground colour set.
    public func fg(_ color: Color) -> Style { var s = self; s.fg = color; return s }
    /// A copy with the background colour set.
    public func bg(_ color: Color) -> Style { var s = self; s.bg = color; return s }
    /// A copy with bold on.
    public func bolded() -> Style { var s = self; s.bold = true; return s }
    /// A copy with dim on.
    public func dimmed() -> Style { var s = self; s.dim = true; return s }
    /// A copy with reverse video on.
    public func reversed() -> Style { var s = self; s.reverse = true; return s }
    /// A copy with underline on.
    public func underlined() -> Style { var s = self; s.underline = true; return s }

    /// This style with `other` layered on top: its non-default colours win, its attributes are added.
    public func patched(with other: Style) -> Style {
        Style(
            fg: other.fg == .default ? fg : other.fg,
            bg: other.bg == .default ? bg : other.bg,
            bold: bold || other.bold,
            dim: dim || other.dim,
            reverse: reverse || other.reverse,
            underline: underline || other.underline
        )
    }

    /// The style without colours, for terminals that have none or when `NO_COLOR` is set.
    ///
    /// Bold, dim, reverse and underline are kept. A style that relied on a background colour to
    /// stand out (a selection, a status bar) gets reverse video instead, so it still stands out.
    public var monochrome: Style {
        var s = self
        if s.bg != .default && !s.reverse { s.reverse = true }
        s.fg = .default
        s.bg = .default
        return s
    }

    /// A compact description for snapshot markup: `plain`, or e.g. `fg=red bg=blue bold reverse`.
    public var description: String {
        var parts: [String] = []
        if fg != .default { parts.append("fg=\(fg)") }
        if bg != .default { parts.append("bg=\(bg)") }
        if bold { parts.append("bold") }
        if dim { parts.append("dim") }
        if reverse { parts.append("reverse") }
        if underline { parts.append("underline") }
        return parts.isEmpty ? "plain" : parts.joined(separator: " ")
    }
}
