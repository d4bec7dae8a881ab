import HindsightCore

/// One row of styled text: a sequence of ``Span``s plus how to align it.
public struct Line: Sendable, Hashable, ExpressibleByStringInterpolation {
    public var spans: [Span]
    public var alignment: Alignment

    public init(spans: [Span], alignment: Alignment = .left) {
        self.spans = spans
        self.alignment = alignment
    }

    /// A line of one span.
    public init(_ text: String, style: Style = .plain, alignment: Alignment = .left) {
        self.init(spans: [Span(text, style: style)], alignment: alignment)
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// The empty line.
    public static let empty = Line(spans: [])

    /// The display width of the whole line once escaped.
    public var width: Int { spans.reduce(0) { $0 + $1.width } }

    /// The text of all spans, without styles.
    public var plainText: String { spans.map(\.text).joined() }

    /// A copy with the alignment set.
    public func aligned(_ alignment: Alignment) -> Line {
        var line = self
        line.alignment = alignment
        return line
    }

    /// A copy with `style` layered over every span's own style (see ``Style/patched(with:)``).
    public func patched(with style: Style) -> Line {
        Line(spans: spans.map { Span($0.text, style: $0.style.patched(with: style)) }, alignment: alignment)
    }

    /// A copy with `style` under every span: each span's own non-default colours and attributes win.
    public func withBaseStyle(_ style: Style) -> Line {
        Line(spans: spans.map { Span($0.text, style: style.patched(with: $0.style)) }, alignment: alignment)
    }

    /// The line cut to at most `width` columns, ending with `ellipsis` (in the style of the span it cuts) when cut.
    ///
    /// Span texts in the result are escaped. Never splits a grapheme.
    public func truncated(toWidth width: Int, ellipsis: String = "…") -> Line {
        guard width > 0 else { return Line(spans: [], alignment: alignment) }
        let total = self.width
        if total <= width { return self }
        let markWidth = TextSafety.displayWidth(ellipsis)
        let useMark = markWidth <= width
        var budget = useMark ? width - markWidth : width
        var result: [Span] = []
        var lastStyle = spans.first?.style ?? .plain
        for span in spans {
            guard budget > 0 else { break }
            lastStyle = span.style
            let spanWidth = span.width
            if spanWidth <= budget {
                result.append(Span(TextSafety.escape(span.text), style: span.style))
                budget -= spanWidth
            } else {
                let cut = TextSafety.truncate(span.text, toWidth: budget, ellipsis: "")
                if !cut.isEmpty { result.append(Span(cut, style: span.style)) }
                budget = 0
            }
        }
        if useMark { result.append(Span(ellipsis, style: lastStyle)) }
        return Line(spans: result, alignment: alignment)
    }
}
