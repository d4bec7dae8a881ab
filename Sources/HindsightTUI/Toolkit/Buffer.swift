import HindsightCore

/// A width × height grid of ``Cell``s that widgets draw into; a ``Terminal`` flushes it to the screen.
///
/// Every write is clipped to the buffer (and to an optional `maxWidth`) and sanitised with
/// ``TextSafety/escape(_:)``: a raw control character never lands in a cell. Wide graphemes
/// are never split: one that would cross the edge is not drawn, and overwriting either half
/// of a wide grapheme blanks its other half.
///
/// Zero-width graphemes (a lone combining mark, ZWSP) are dropped: they have no cell of their own.
public struct Buffer: Sendable, Hashable {
    /// The number of columns.
    public let width: Int
    /// The number of rows.
    public let height: Int
    /// Row-major cells: the cell at `(x, y)` is `cells[y * width + x]`.
    public private(set) var cells: [Cell]
    /// Where the terminal should show its text cursor after drawing (e.g. in a prompt), or nil to hide it.
    public var cursor: Point?

    /// A buffer of blank cells in `style`.
    public init(width: Int, height: Int, style: Style = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: .blank(style), count: self.width * self.height)
    }

    /// A blank buffer of the given size.
    public init(size: Size, style: Style = .plain) {
        self.init(width: size.width, height: size.height, style: style)
    }

    /// The whole buffer as a rect at the origin.
    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }
    /// The buffer's size.
    public var size: Size { Size(width: width, height: height) }

    /// The cell at `(x, y)`; a blank cell for coordinates outside the buffer.
    public subscript(x: Int, y: Int) -> Cell {
        guard x >= 0, x < width, y >= 0, y < height else { return .blank }
        return cells[y * width + x]
    }

    // MARK: - Text

    /// Writes `text` at `(x, y)` in `style`, escaped and clipped; returns the number of columns written.
    ///
    /// Clips at the buffer's right edge and at `x + maxWidth`; a wide grapheme that does not fit is
    /// left out whole (the cell it would have started in is left untouched). Columns left of 0 are
    /// skipped (a wide grapheme straddling column 0 leaves a blank at column 0).
    ///
    /// - Returns: the columns advanced from `x`, counting skipped columns left of 0.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        var limit = width
        if let maxWidth { limit = min(limit, x + max(0, maxWidth)) }
        guard x < limit else { return 0 }
        let safe = TextSafety.escape(text)
        var column = x
        if TextSafety.isPrintableASCII(safe) {
            for byte in safe.utf8 {
                guard column < limit else { break }
                if column >= 0 { setCell(x: column, y: y, symbol: Character(Unicode.Scalar(byte)), wide: false, style: style) }
                column += 1
            }
            return column - x
        }
        for grapheme in safe {
            let w = min(2, TextSafety.displayWidth(of: grapheme))
            if w == 0 { continue }
            if column + w > limit { break }
            if column < 0 {
                if column + w > 0 { setCell(x: 0, y: y, symbol: " ", wide: false, style: style) }
            } else {
                setCell(x: column, y: y, symbol: grapheme, wide: w == 2, style: style)
            }
            column += w
        }
        return column - x
    }

    /// Writes the spans of `line` from `(x, y)`, each in `style` patched with the span's own style;
    /// returns the columns written. Ignores the line's alignment (see ``putAligned(_:x:y:width:style:ellipsis:)``).
    @discardableResult
    public mutating func put(line: Line, x: Int, y: Int, style: Style = .plain, maxWidth: Int? = nil) -> Int {
        var column = x
        let limit = maxWidth.map { x + max(0, $0) }
        for span in line.spans {
            let remaining = limit.map { $0 - column }
            if let remaining, remaining <= 0 { break }
            column += put(span.text, x: column, y: y, style: style.patched(with: span.style), maxWidth: remaining)
        }
        return column - x
    }

    /// Writes `line` into the `width` columns from `(x, y)`: truncated with `ellipsis` when too wide
    /// (pass nil to clip without one), placed by the line's alignment otherwise.
    ///
    /// The columns not covered by text are left untouched; fill the row first for a background.
    @discardableResult
    public mutating func putAligned(
        _ line: Line, x: Int, y: Int, width: Int, style: Style = .plain, ellipsis: String? = "…"
    ) -> Int {
        guard width > 0 else { return 0 }
        let lineWidth = line.width
        if lineWidth > width {
            let fitted = ellipsis.map { line.truncated(toWidth: width, ellipsis: $0) } ?? line
            return put(line: fitted, x: x, y: y, style: style, maxWidth: width)
        }
        let offset = line.alignment.offset(contentWidth: lineWidth, in: width)
        return offset + put(line: line, x: x + offset, y: y, style: style, maxWidth: width - offset)
    }

    // MARK: - Areas

    /// Blanks every cell of `rect` (clipped to the buffer) and gives it `style`.
    public mutating func fill(_ rect: Rect, style: Style = .plain) {
        fill(rect, with: " ", style: style)
    }

    /// Fills every cell of `rect` (clipped) with the narrow grapheme `symbol` in `style`.
    ///
    /// A control character or a wide or zero-width grapheme is replaced by a space.
    public mutating func fill(_ rect: Rect, with symbol: Character, style: Style = .plain) {
        let clipped = rect.intersection(area)
        guard !clipped.isEmpty else { return }
        let safe: Character = TextSafety.displayWidth(of: symbol) == 1 && TextSafety.isSafe(String(symbol)) ? symbol : " "
        for y in clipped.y..<clipped.maxY {
            for x in clipped.x..<clipped.maxX {
                setCell(x: x, y: y, symbol: safe, wide: false, style: style)
            }
        }
    }

    /// Replaces the style of every cell of `rect` (clipped), keeping the text.
    public mutating func setStyle(_ rect: Rect, _ style: Style) {
        let clipped = rect.intersection(area)
        guard !clipped.isEmpty else { return }
        for y in clipped.y..<clipped.maxY {
            for x in clipped.x..<clipped.maxX {
                cells[y * width + x].style = style
            }
        }
    }

    /// Layers `style` over the style of every cell of `rect` (clipped), keeping the text (see ``Style/patched(with:)``).
    public mutating func patchStyle(_ rect: Rect, _ style: Style) {
        let clipped = rect.intersection(area)
        guard !clipped.isEmpty else { return }
        for y in clipped.y..<clipped.maxY {
            for x in clipped.x..<clipped.maxX {
                cells[y * width + x].style = cells[y * width + x].style.patched(with: style)
            }
        }
    }

    /// Maps the style of every cell through `transform` (e.g. ``Style/monochrome``).
    public mutating func mapStyles(_ transform: (Style) -> Style) {
        for index in cells.indices {
            cells[index].style = transform(cells[index].style)
        }
    }

    // MARK: - Cells

    /// Stores one already-safe grapheme at `(x, y)`, keeping wide graphemes whole.
    ///
    /// `(x, y)` must be inside the buffer and, when `wide`, `x + 1` too (callers check).
    private mutating func setCell(x: Int, y: Int, symbol: Character, wide: Bool, style: Style) {
        let row = y * width
        // Overwriting the right half of a wide grapheme: blank its left half.
        if cells[row + x].isContinuation, x > 0 {
            cells[row + x - 1] = Cell(symbol: " ", style: cells[row + x - 1].style)
        }
        let last = wide ? x + 1 : x
        // Overwriting the left half of a wide grapheme: blank its orphaned right half.
        if last + 1 < width, cells[row + last + 1].isContinuation {
            cells[row + last + 1] = Cell(symbol: " ", style: cells[row + last + 1].style)
        }
        cells[row + x] = Cell(symbol: symbol, style: style)
        if wide {
            cells[row + x + 1] = Cell(symbol: " ", style: style, isContinuation: true)
        }
    }
}
