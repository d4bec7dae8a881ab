import HindsightCore

/// A run of text drawn in one style.
///
/// The text may be untrusted: it is escaped by ``TextSafety`` when drawn into a ``Buffer``,
/// and ``width`` already counts escapes.
public struct Span: Sendable, Hashable, ExpressibleByStringInterpolation {
    /// The text, possibly untrusted (escaped when drawn).
    public var text: String
    public var style: Style

    public init(_ text: String, style: Style = .plain) {
        self.text = text
        self.style = style
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// The display width of the text once escaped.
    public var width: Int { TextSafety.displayWidth(text) }
}
