/// Where each part of the explorer goes for a terminal size (shared by update and render).
public struct ExplorerLayout: Sendable, Equatable {
    /// Below this the explorer says so instead of drawing.
    public static let minimum = Size(width: 60, height: 15)

    public let size: Size
    public let status: Rect
    public let events: Rect
    public let state: Rect
    public let diff: Rect
    /// Histogram bars, marker lane and labels.
    public let scrubber: Rect
    public let bar: Rect

    public init(size: Size) {
        self.size = size
        let w = size.width, h = size.height
        status = Rect(x: 0, y: 0, width: w, height: 1)
        bar = Rect(x: 0, y: max(0, h - 1), width: w, height: 1)
        scrubber = Rect(x: 0, y: max(1, h - 4), width: w, height: 3)
        let mainHeight = max(0, h - 5)
        let listWidth = w >= 120 ? w * 55 / 100 : w / 2
        events = Rect(x: 0, y: 1, width: listWidth, height: mainHeight)
        let stateHeight = mainHeight * 55 / 100
        state = Rect(x: listWidth, y: 1, width: w - listWidth, height: stateHeight)
        diff = Rect(x: listWidth, y: 1 + stateHeight, width: w - listWidth, height: mainHeight - stateHeight)
    }

    public var isTooSmall: Bool { size.width < ExplorerLayout.minimum.width || size.height < ExplorerLayout.minimum.height }

    /// Rows of events visible in the list (inside the border, under the header).
    public var visibleRows: Int { max(1, events.height - 3) }
    /// The first screen row of the list's events.
    public var firstRowY: Int { events.y + 2 }
    /// Lines visible inside the state and diff panes.
    public var stateLines: Int { max(1, state.height - 2) }
    public var diffLines: Int { max(1, diff.height - 2) }
    /// The scrubber's columns (the histogram's width).
    public var timelineWidth: Int { max(1, scrubber.width - 2) }
    public var timelineX: Int { scrubber.x + 1 }
}
