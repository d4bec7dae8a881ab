import HindsightCore

/// A vertical list of one-line items with a highlighted, always-visible selected item.
///
/// The selection and scrolling live in a ``ListState``; rendering scrolls it so the selected item is visible.
public struct ListView: StatefulWidget {
    /// All items; only those in the state's visible range are drawn.
    public var items: [Line]
    /// Layered over the selected item (see ``Style/patched(with:)``).
    public var highlightStyle: Style
    /// Drawn before the selected item (e.g. `"> "`); other items get blanks of the same width. Nil for none.
    public var highlightSymbol: String?
    /// The base style of the whole area.
    public var style: Style
    /// Shown on the first row when there are no items.
    public var emptyMessage: Line?

    public init(
        _ items: [Line],
        highlightStyle: Style = Style(reverse: true),
        highlightSymbol: String? = nil,
        style: Style = .plain,
        emptyMessage: Line? = nil
    ) {
        self.items = items
        self.highlightStyle = highlightStyle
        self.highlightSymbol = highlightSymbol
        self.style = style
        self.emptyMessage = emptyMessage
    }

    public func render(in area: Rect, into buffer: inout Buffer, state: inout ListState) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        buffer.fill(area, style: style)
        state.scrollToSelection(visibleRows: area.height, itemCount: items.count)
        if items.isEmpty, let emptyMessage {
            buffer.putAligned(emptyMessage, x: area.x, y: area.y, width: area.width, style: style.patched(with: Style(dim: true)))
            return
        }
        let gutter = highlightSymbol.map { TextSafety.displayWidth($0) } ?? 0
        for (row, index) in state.visibleRange(visibleRows: area.height, itemCount: items.count).enumerated() {
            let y = area.y + row
            let isSelected = index == state.selected
            if let highlightSymbol {
                let symbol = isSelected ? highlightSymbol : String(repeating: " ", count: gutter)
                buffer.put(symbol, x: area.x, y: y, style: style, maxWidth: gutter)
            }
            buffer.putAligned(items[index], x: area.x + gutter, y: y, width: area.width - gutter, style: style)
            if isSelected { buffer.patchStyle(area.row(row), highlightStyle) }
        }
    }
}
