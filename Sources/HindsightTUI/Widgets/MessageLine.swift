/// A one-row message (the result of a command, a warning, an error), cut with an ellipsis when too long.
public struct MessageLine: Widget {
    /// How serious the message is; it picks the style.
    public enum Kind: Sendable, Hashable {
        case info, success, warning, error

        /// The default style of the kind (still distinct without colours: warnings and errors are bold).
        public var style: Style {
            switch self {
            case .info: return .plain
            case .success: return Style(fg: .green)
            case .warning: return Style(fg: .yellow, bold: true)
            case .error: return Style(fg: .red, bold: true)
            }
        }
    }

    public var text: String
    public var kind: Kind
    /// Overrides the kind's style when set.
    public var style: Style?

    public init(_ text: String, kind: Kind = .info, style: Style? = nil) {
        self.text = text
        self.kind = kind
        self.style = style
    }

    public func render(in area: Rect, into buffer: inout Buffer) {
        let row = area.intersection(buffer.area).row(0)
        guard !row.isEmpty else { return }
        let style = self.style ?? kind.style
        buffer.fill(row)
        buffer.putAligned(Line(text, style: style), x: row.x, y: row.y, width: row.width)
    }
}
