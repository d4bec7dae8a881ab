import HindsightCore

/// Rows of cells in columns, with an optional header and a highlighted, always-visible selected row.
///
/// Each cell is one line, cut with an ellipsis when it does not fit its column. The selection
/// and scrolling live in a ``ListState``; rendering scrolls it so the selected row is visible.
///
/// ```
/// Offset  Type     Key
/// 0       open     acct-1
/// 1       deposit  acct-1      ← highlighted
/// ```
public struct Table: StatefulWidget {
    /// One column: a header title, a width and how cells are aligned.
    public struct Column: Sendable, Hashable {
        public var title: Line
        public var width: Constraint
        public var alignment: Alignment

        public init(_ title: Line, width: Constraint, alignment: Alignment = .left) {
            self.title = title
            self.width = width
            self.alignment = alignment
        }

        /// A column with a plain-text title.
        public init(_ title: String, width: Constraint, alignment: Alignment = .left) {
            self.init(Line(title), width: width, alignment: alignment)
        }
    }

    /// One row: a line per column (missing cells are blank) and a style for the whole row.
    public struct Row: Sendable, Hashable {
        public var cells: [Line]
        public var style: Style

        public init(_ cells: [Line], style: Style = .plain) {
            self.cells = cells
            self.style = style
        }

        /// A row of plain-text cells.
        public init(_ cells: [String], style: Style = .plain) {
            self.init(cells.map { Line($0) }, style: style)
        }
    }

    /// The columns, left to right; their widths are split from the area by ``Layout``.
    public var columns: [Column]
    /// All rows; only those in the state's visible range are drawn.
    public var rows: [Row]
    /// Whether the first row of the area shows the column titles.
    public var showsHeader: Bool
    public var headerStyle: Style
    /// Layered over the selected row (see ``Style/patched(with:)``).
    public var highlightStyle: Style
    /// Drawn before the selected row (e.g. `"▶ "`); other rows get blanks of the same width. Nil for none.
    public var highlightSymbol: String?
    /// Blank columns between adjacent columns.
    public var columnSpacing: Int
    /// The base style of the whole area.
    public var style: Style
    /// Shown on the first body row when there are no rows (e.g. "no events match").
    public var emptyMessage: Line?

    public init(
        columns: [Column],
        rows: [Row],
        showsHeader: Bool = true,
        headerStyle: Style = Style(bold: true, underline: true),
        highlightStyle: Style = Style(reverse: true),
        highlightSymbol: String? = nil,
        columnSpacing: Int = 1,
        style: Style = .plain,
        emptyMessage: Line? = nil
    ) {
        self.columns = columns
        self.rows = rows
        self.showsHeader = showsHeader
        self.headerStyle = headerStyle
        self.highlightStyle = highlightStyle
        self.highlightSymbol = highlightSymbol
        self.columnSpacing = columnSpacing
        self.style = style
        self.emptyMessage = emptyMessage
    }

    /// The number of body rows visible in an area of `height` rows (the header takes one).
    public func visibleRowCount(height: Int) -> Int {
        max(0, height - (showsHeader ? 1 : 0))
    }

    /// The column rects (width and x) for an area, after the highlight symbol's gutter.
    public func columnRects(in area: Rect) -> [Rect] {
        let gutter = highlightSymbol.map { TextSafety.displayWidth($0) } ?? 0
        let body = area.inset(left: gutter)
        return Layout.horizontal(columns.map(\.width), spacing: columnSpacing).split(body)
    }

    public func render(in area: Rect, into buffer: inout Buffer, state: inout ListState) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        buffer.fill(area, style: style)
        let columnRects = columnRects(in: area)
        var y = area.y
        if showsHeader {
            for (column, rect) in zip(columns, columnRects) {
                buffer.putAligned(
                    column.title.aligned(column.alignment), x: rect.x, y: y, width: rect.width,
                    style: style.patched(with: headerStyle))
            }
            y += 1
        }
        let visible = area.maxY - y
        state.scrollToSelection(visibleRows: visible, itemCount: rows.count)
        if rows.isEmpty, let emptyMessage, visible > 0 {
            buffer.putAligned(emptyMessage, x: area.x, y: y, width: area.width, style: style.patched(with: Style(dim: true)))
            return
        }
        for index in state.visibleRange(visibleRows: visible, itemCount: rows.count) {
            let row = rows[index]
            let rowStyle = style.patched(with: row.style)
            let rowRect = Rect(x: area.x, y: y, width: area.width, height: 1)
            let isSelected = index == state.selected
            if !row.style.isPlain { buffer.fill(rowRect, style: rowStyle) }
            if let highlightSymbol {
                let gutter = TextSafety.displayWidth(highlightSymbol)
                let symbol = isSelected ? highlightSymbol : String(repeating: " ", count: gutter)
                buffer.put(symbol, x: area.x, y: y, style: rowStyle, maxWidth: gutter)
            }
            for (columnIndex, rect) in columnRects.enumerated() where columnIndex < row.cells.count {
                let cell = row.cells[columnIndex].aligned(columns[columnIndex].alignment)
                buffer.putAligned(cell, x: rect.x, y: y, width: rect.width, style: rowStyle)
            }
            if isSelected { buffer.patchStyle(rowRect, highlightStyle) }
            y += 1
        }
    }
}
