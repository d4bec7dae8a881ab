import HindsightCore

/// A centred box listing key bindings by section, drawn over the screen.
///
/// ```
/// ┌ Keys ─────────────────────┐
/// │ Navigation                │
/// │  j/↓    next event        │
/// │  k/↑    previous event    │
/// │                           │
/// │ General                   │
/// │  ?      toggle this help  │
/// └── ? or Esc: close ────────┘
/// ```
/// It clears its box first. When the entries do not fit, ``scroll`` moves through them and
/// `▲`/`▼` in the right border say there is more.
public struct HelpOverlay: Widget {
    /// The bindings to list, usually made from the app's key binding table.
    public var entries: [HelpEntry]
    public var title: String
    /// A hint drawn in the bottom border; nil for none.
    public var footer: String?
    /// The first content row shown. Clamped when rendering.
    public var scroll: Int
    public var keyStyle: Style
    public var sectionStyle: Style
    public var borderStyle: Style
    /// The background of the box.
    public var style: Style

    public init(
        entries: [HelpEntry],
        title: String = "Keys",
        footer: String? = "? or Esc: close",
        scroll: Int = 0,
        keyStyle: Style = Style(fg: .yellow, bold: true),
        sectionStyle: Style = Style(bold: true, underline: true),
        borderStyle: Style = Block.defaultFocusedStyle,
        style: Style = .plain
    ) {
        self.entries = entries
        self.title = title
        self.footer = footer
        self.scroll = scroll
        self.keyStyle = keyStyle
        self.sectionStyle = sectionStyle
        self.borderStyle = borderStyle
        self.style = style
    }

    /// The section names in order of first appearance.
    public var sections: [String] {
        var seen: Set<String> = []
        return entries.compactMap { seen.insert($0.section).inserted ? $0.section : nil }
    }

    /// The content rows: per section a heading, its entries (keys padded to one column), and a blank row between sections.
    public func contentLines() -> [Line] {
        let keysWidth = entries.map { TextSafety.displayWidth($0.keys) }.max() ?? 0
        var lines: [Line] = []
        for (index, section) in sections.enumerated() {
            if index > 0 { lines.append(.empty) }
            if !section.isEmpty { lines.append(Line(section, style: sectionStyle)) }
            for entry in entries where entry.section == section {
                lines.append(Line(spans: [
                    Span(" "),
                    Span(TextSafety.pad(entry.keys, toWidth: keysWidth), style: keyStyle),
                    Span("  "),
                    Span(entry.description),
                ]))
            }
        }
        return lines
    }

    /// The size of the box for `lines`, before clamping to the screen.
    func preferredSize(for lines: [Line]) -> Size {
        let contentWidth = lines.map(\.width).max() ?? 0
        let titleWidth = TextSafety.displayWidth(title) + 4
        let footerWidth = footer.map { TextSafety.displayWidth($0) + 6 } ?? 0
        // Borders plus one column of padding on each side.
        return Size(width: max(contentWidth + 4, titleWidth, footerWidth), height: lines.count + 2)
    }

    /// The rect the box occupies inside `area`.
    public func boxRect(in area: Rect) -> Rect {
        let size = preferredSize(for: contentLines())
        return area.centered(width: size.width, height: size.height)
    }

    /// The largest useful ``scroll`` for `area`.
    public func maxScroll(in area: Rect) -> Int {
        let lines = contentLines()
        let box = area.centered(width: preferredSize(for: lines).width, height: preferredSize(for: lines).height)
        return max(0, lines.count - max(0, box.height - 2))
    }

    public func render(in area: Rect, into buffer: inout Buffer) {
        let lines = contentLines()
        let size = preferredSize(for: lines)
        let box = area.intersection(buffer.area).centered(width: size.width, height: size.height)
        guard box.width >= 2, box.height >= 2 else { return }
        buffer.fill(box, style: style)
        let block = Block(title: Line(title), isFocused: true, focusedStyle: borderStyle, background: style)
        block.render(in: box, into: &buffer)
        let inner = block.inner(box)
        let visible = inner.height
        let first = min(max(0, scroll), max(0, lines.count - visible))
        let content = inner.inset(left: 1, right: 1)
        Paragraph(lines, style: style, scroll: first).render(in: content, into: &buffer)
        let edgeStyle = style.patched(with: borderStyle)
        if first > 0 { buffer.put("▲", x: box.maxX - 1, y: inner.y, style: edgeStyle) }
        if first + visible < lines.count { buffer.put("▼", x: box.maxX - 1, y: inner.maxY - 1, style: edgeStyle) }
        if let footer, box.width > 6 {
            buffer.putAligned(Line(" \(footer) "), x: box.x + 2, y: box.maxY - 1, width: box.width - 4, style: edgeStyle)
        }
    }
}
