/// Something that draws itself into a rect of a ``Buffer``.
///
/// Widgets are values built for one frame; they never touch the terminal. A widget draws only
/// inside `area` (clipped to the buffer).
public protocol Widget {
    func render(in area: Rect, into buffer: inout Buffer)
}

/// A widget whose scrolling depends on state kept between frames (like ratatui's `StatefulWidget`).
///
/// Rendering may adjust the state (e.g. scroll a ``ListState`` so the selection stays visible).
public protocol StatefulWidget {
    associatedtype State
    func render(in area: Rect, into buffer: inout Buffer, state: inout State)
}

extension Buffer {
    /// Draws `widget` into `area` of this buffer.
    public mutating func render(_ widget: some Widget, in area: Rect) {
        widget.render(in: area, into: &self)
    }

    /// Draws a stateful `widget` into `area`, updating `state`.
    public mutating func render<W: StatefulWidget>(_ widget: W, in area: Rect, state: inout W.State) {
        widget.render(in: area, into: &self, state: &state)
    }
}

/// Blanks its area (in a style): draw it under an overlay so the content below does not show through.
public struct Clear: Widget {
    public var style: Style

    public init(style: Style = .plain) {
        self.style = style
    }

    public func render(in area: Rect, into buffer: inout Buffer) {
        buffer.fill(area, style: style)
    }
}
