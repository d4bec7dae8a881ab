import HindsightCore

/// A one-line text input: a label, the text of a ``PromptState``, and a cursor.
///
/// The text scrolls horizontally so the cursor stays visible. The cursor cell is drawn in
/// ``cursorStyle`` (reverse video) and its position is stored in ``Buffer/cursor`` so a real
/// terminal can also place its own cursor there.
public struct Prompt: Widget {
    /// Drawn before the text, e.g. `"/"` or `"Go to offset: "`.
    public var label: Line
    /// The text and cursor to show (the app keeps and edits it).
    public var state: PromptState
    /// Dim text shown when the input is empty.
    public var placeholder: String?
    public var style: Style
    public var cursorStyle: Style
    /// Whether to draw the cursor (off for an unfocused prompt).
    public var showsCursor: Bool

    public init(
        label: Line = "",
        state: PromptState,
        placeholder: String? = nil,
        style: Style = .plain,
        cursorStyle: Style = Style(reverse: true),
        showsCursor: Bool = true
    ) {
        self.label = label
        self.state = state
        self.placeholder = placeholder
        self.style = style
        self.cursorStyle = cursorStyle
        self.showsCursor = showsCursor
    }

    public func render(in area: Rect, into buffer: inout Buffer) {
        let row = area.intersection(buffer.area).row(0)
        guard !row.isEmpty else { return }
        buffer.fill(row, style: style)
        let labelWidth = min(label.width, row.width)
        buffer.put(line: label, x: row.x, y: row.y, style: style, maxWidth: row.width)
        let fieldX = row.x + labelWidth
        let fieldWidth = row.maxX - fieldX
        guard fieldWidth > 0 else { return }
        let characters = state.characters
        if characters.isEmpty, let placeholder {
            buffer.putAligned(Line(placeholder), x: fieldX, y: row.y, width: fieldWidth, style: style.patched(with: Style(dim: true)))
        }
        let widths = characters.map { TextSafety.displayWidth(of: $0) }
        // Scroll so the cursor cell (the grapheme at the cursor, or one blank at the end) fits.
        let cursorWidth = state.cursor < widths.count ? max(1, widths[state.cursor]) : 1
        var first = 0
        var before = widths[0..<state.cursor].reduce(0, +)
        while first < state.cursor, before + cursorWidth > fieldWidth {
            before -= widths[first]
            first += 1
        }
        var x = fieldX
        var cursorX = fieldX + before
        for index in first..<characters.count {
            let w = widths[index]
            guard x + w <= row.maxX else { break }
            if index == state.cursor { cursorX = x }
            buffer.put(String(characters[index]), x: x, y: row.y, style: style, maxWidth: row.maxX - x)
            x += w
        }
        guard showsCursor, cursorX < row.maxX else { return }
        buffer.patchStyle(Rect(x: cursorX, y: row.y, width: cursorWidth, height: 1), cursorStyle)
        buffer.cursor = Point(x: cursorX, y: row.y)
    }
}
