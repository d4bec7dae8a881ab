import HindsightCore

/// Styled lines of text with a vertical scroll offset, either wrapped or cut with an ellipsis.
///
/// The paragraph owns its area: it fills it with ``style`` first, so text from a previous frame
/// never shows through.
public struct Paragraph: Widget {
    public var lines: [Line]
    /// The base style: the background of the area and the style under every span.
    public var style: Style
    /// The first row shown (counted after wrapping). Clamped when rendering.
    public var scroll: Int
    /// Whether long lines wrap at word boundaries (else they are cut with ``ellipsis``).
    public var wrap: Bool
    /// The mark at the end of a cut line; nil cuts without one.
    public var ellipsis: String?

    public init(_ lines: [Line], style: Style = .plain, scroll: Int = 0, wrap: Bool = false, ellipsis: String? = "…") {
        self.lines = lines
        self.style = style
        self.scroll = scroll
        self.wrap = wrap
        self.ellipsis = ellipsis
    }

    /// A paragraph of plain text, one line per `\n`-separated piece.
    public init(text: String, style: Style = .plain, scroll: Int = 0, wrap: Bool = false) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Line(String($0)) }
        self.init(lines, style: style, scroll: scroll, wrap: wrap)
    }

    /// The rows the paragraph occupies at `width` columns (wrapped if ``wrap`` is set).
    public func rows(width: Int) -> [Line] {
        guard wrap else { return lines }
        return lines.flatMap { Paragraph.wrap($0, width: width) }
    }

    /// The number of rows at `width` columns: use it to bound ``scroll``.
    public func rowCount(width: Int) -> Int {
        wrap ? rows(width: width).count : lines.count
    }

    /// The largest useful scroll offset for an area of `size`.
    public func maxScroll(for size: Size) -> Int {
        max(0, rowCount(width: size.width) - size.height)
    }

    public func render(in area: Rect, into buffer: inout Buffer) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        buffer.fill(area, style: style)
        let rows = rows(width: area.width)
        let first = min(max(0, scroll), max(0, rows.count - 1))
        for (offset, line) in rows.dropFirst(first).prefix(area.height).enumerated() {
            buffer.putAligned(line, x: area.x, y: area.y + offset, width: area.width, style: style, ellipsis: ellipsis)
        }
    }

    /// Wraps `line` into rows of at most `width` columns, breaking after spaces where possible.
    ///
    /// A word longer than the width is broken between graphemes. The space at a break is dropped.
    /// An empty line stays one empty row. Texts in the result are escaped.
    public static func wrap(_ line: Line, width: Int) -> [Line] {
        guard width > 0 else { return [line] }
        if line.width <= width { return [line] }
        var rows: [Line] = []
        var current: [(Character, Style, Int)] = []
        var currentWidth = 0
        var lastSpace: Int?  // index in `current` of the last space, a break opportunity
        func emit(_ cells: ArraySlice<(Character, Style, Int)>) {
            var spans: [Span] = []
            for (symbol, style, _) in cells {
                if let last = spans.last, last.style == style {
                    spans[spans.count - 1].text.append(symbol)
                } else {
                    spans.append(Span(String(symbol), style: style))
                }
            }
            rows.append(Line(spans: spans, alignment: line.alignment))
        }
        for span in line.spans {
            for symbol in TextSafety.escape(span.text) {
                let w = TextSafety.displayWidth(of: symbol)
                if currentWidth + w > width && !current.isEmpty {
                    if symbol == " " {
                        emit(current[...])
                        current = []
                        currentWidth = 0
                        lastSpace = nil
                        continue
                    }
                    if let space = lastSpace, space > 0 {
                        emit(current[..<space])
                        current = Array(current[(space + 1)...])
                        currentWidth = current.reduce(0) { $0 + $1.2 }
                    } else {
                        emit(current[...])
                        current = []
                        currentWidth = 0
                    }
                    lastSpace = nil
                }
                if symbol == " " { lastSpace = current.count }
                current.append((symbol, span.style, w))
                currentWidth += w
            }
        }
        if !current.isEmpty || rows.isEmpty { emit(current[...]) }
        return rows
    }
}
