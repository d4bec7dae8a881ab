import HindsightCore

/// A one-row bar with left- and right-aligned text (e.g. the log name on the left, the position on the right).
///
/// The right part is kept whole when it fits; the left part is cut with an ellipsis to leave a
/// one-column gap before it.
public struct StatusBar: Widget {
    public var left: Line
    public var right: Line
    /// The bar's style (every span is drawn over it).
    public var style: Style

    public init(left: Line = .empty, right: Line = .empty, style: Style = Style(reverse: true)) {
        self.left = left
        self.right = right
        self.style = style
    }

    public func render(in area: Rect, into buffer: inout Buffer) {
        let row = area.intersection(buffer.area).row(0)
        guard !row.isEmpty else { return }
        buffer.fill(row, style: style)
        let rightWidth = min(right.width, row.width)
        if rightWidth > 0 {
            buffer.putAligned(right.aligned(.right), x: row.x, y: row.y, width: row.width, style: style)
        }
        let leftWidth = rightWidth > 0 ? row.width - rightWidth - 1 : row.width
        if leftWidth > 0 {
            buffer.putAligned(left.aligned(.left), x: row.x, y: row.y, width: leftWidth, style: style)
        }
    }
}
