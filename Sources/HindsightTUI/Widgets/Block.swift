/// A frame around a pane: Unicode box borders, an optional title, and focused/unfocused looks.
///
/// Render the block, then render the pane's content into ``inner(_:)``.
///
/// ```
/// ┌ Events ──────┐
/// │              │
/// └──────────────┘
/// ```
public struct Block: Widget {
    /// Which sides have a border.
    public struct Borders: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let top = Borders(rawValue: 1)
        public static let right = Borders(rawValue: 2)
        public static let bottom = Borders(rawValue: 4)
        public static let left = Borders(rawValue: 8)
        public static let all: Borders = [.top, .right, .bottom, .left]
        public static let none: Borders = []
    }

    /// The box-drawing characters used.
    public enum BorderType: Sendable, Hashable {
        /// `┌─┐│└┘`
        case plain
        /// `╭─╮│╰╯`
        case rounded
        /// `╔═╗║╚╝`
        case double
        /// `┏━┓┃┗┛`
        case thick

        /// top-left, top-right, bottom-left, bottom-right, horizontal, vertical.
        var symbols: (Character, Character, Character, Character, Character, Character) {
            switch self {
            case .plain: return ("┌", "┐", "└", "┘", "─", "│")
            case .rounded: return ("╭", "╮", "╰", "╯", "─", "│")
            case .double: return ("╔", "╗", "╚", "╝", "═", "║")
            case .thick: return ("┏", "┓", "┗", "┛", "━", "┃")
            }
        }
    }

    /// The title drawn in the top border, padded by a space on each side; its alignment places it.
    public var title: Line?
    public var borders: Borders
    public var borderType: BorderType
    /// Whether the pane has the focus: selects ``focusedStyle`` or ``unfocusedStyle`` for the border and title.
    public var isFocused: Bool
    public var focusedStyle: Style
    public var unfocusedStyle: Style
    /// A style for the whole area (background), applied before the border; nil leaves the area's cells as they are.
    public var background: Style?

    /// The default look of a focused border: cyan and bold (still bold without colours).
    public static let defaultFocusedStyle = Style(fg: .cyan, bold: true)
    /// The default look of an unfocused border: dim.
    public static let defaultUnfocusedStyle = Style(dim: true)

    public init(
        title: Line? = nil,
        borders: Borders = .all,
        borderType: BorderType = .plain,
        isFocused: Bool = false,
        focusedStyle: Style = Block.defaultFocusedStyle,
        unfocusedStyle: Style = Block.defaultUnfocusedStyle,
        background: Style? = nil
    ) {
        self.title = title
        self.borders = borders
        self.borderType = borderType
        self.isFocused = isFocused
        self.focusedStyle = focusedStyle
        self.unfocusedStyle = unfocusedStyle
        self.background = background
    }

    /// A block with a plain-text title.
    public init(title: String, isFocused: Bool = false, borderType: BorderType = .plain) {
        self.init(title: Line(title), borderType: borderType, isFocused: isFocused)
    }

    /// The border and title style in effect.
    public var borderStyle: Style { isFocused ? focusedStyle : unfocusedStyle }

    /// The area left for content inside the borders.
    public func inner(_ area: Rect) -> Rect {
        area.inset(
            top: borders.contains(.top) ? 1 : 0,
            left: borders.contains(.left) ? 1 : 0,
            bottom: borders.contains(.bottom) ? 1 : 0,
            right: borders.contains(.right) ? 1 : 0
        )
    }

    public func render(in area: Rect, into buffer: inout Buffer) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        if let background { buffer.fill(area, style: background) }
        let style = (background ?? .plain).patched(with: borderStyle)
        let (topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical) = borderType.symbols
        let right = area.maxX - 1
        let bottom = area.maxY - 1
        if borders.contains(.top) { buffer.fill(area.row(0), with: horizontal, style: style) }
        if borders.contains(.bottom) { buffer.fill(area.row(area.height - 1), with: horizontal, style: style) }
        if borders.contains(.left) {
            buffer.fill(Rect(x: area.x, y: area.y, width: 1, height: area.height), with: vertical, style: style)
        }
        if borders.contains(.right) {
            buffer.fill(Rect(x: right, y: area.y, width: 1, height: area.height), with: vertical, style: style)
        }
        if area.width > 1 && area.height > 1 {
            if borders.isSuperset(of: [.top, .left]) { buffer.put(String(topLeft), x: area.x, y: area.y, style: style) }
            if borders.isSuperset(of: [.top, .right]) { buffer.put(String(topRight), x: right, y: area.y, style: style) }
            if borders.isSuperset(of: [.bottom, .left]) { buffer.put(String(bottomLeft), x: area.x, y: bottom, style: style) }
            if borders.isSuperset(of: [.bottom, .right]) { buffer.put(String(bottomRight), x: right, y: bottom, style: style) }
        }
        renderTitle(in: area, into: &buffer, style: isFocused ? style : (background ?? .plain))
    }

    /// Draws the title into the top row, between the corners (unfocused titles are not dimmed, to stay readable).
    private func renderTitle(in area: Rect, into buffer: inout Buffer, style: Style) {
        guard let title, !title.spans.isEmpty else { return }
        let left = borders.contains(.left) ? 1 : 0
        let right = borders.contains(.right) ? 1 : 0
        let available = area.width - left - right
        guard available > 0 else { return }
        let padded = Line(spans: [Span(" ")] + title.spans + [Span(" ")], alignment: title.alignment)
        buffer.putAligned(padded, x: area.x + left, y: area.y, width: available, style: style)
    }
}
