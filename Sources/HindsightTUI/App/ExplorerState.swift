import HindsightCore

/// The explorer's panes, in Tab order.
public enum Pane: Int, Sendable, CaseIterable {
    case events, state, diff
}

/// What a one-line prompt is for.
public enum PromptPurpose: Sendable, Equatable {
    case jump, search, filter, export, watch
}

/// A message on the bottom line until the next key.
public struct StatusMessage: Sendable, Equatable {
    public var text: String
    public var kind: MessageLine.Kind
}

/// The whole state of the explorer, as a value: `update` turns it into the next one.
public struct ExplorerState: Sendable {
    public var size: Size
    public var rows: RowSet = .all
    /// The rows to return to with Esc, and the offset selected there.
    public var previousRows: RowSet?
    public var selectedRow = 0
    public var listTop = 0
    public var focus: Pane = .events
    public var stateCursor = 0
    public var stateScroll = 0
    /// JSON Pointers (text) of folded objects and arrays in the state pane.
    public var folded: Set<String> = []
    public var diffScroll = 0
    public var markA: Int64?
    public var markB: Int64?
    public var prompt: PromptPurpose?
    public var promptState = PromptState()
    public var searchText: String?
    public var showHelp = false
    public var helpScroll = 0
    public var following = false
    /// The watch expression of `w`, for `>` and `<`.
    public var watch: WatchExpression?
    /// Whether the state pane shows, for each field, the event that last set it.
    public var showBlame = false
    public var message: StatusMessage?
    public var chainStatus: String = ""
    /// A background import's progress line, while it runs.
    public var importStatus: String?
    public var quit = false

    public init(size: Size) {
        self.size = size
    }

    public func selectedOffset(total: Int64) -> Int64? {
        guard rows.count(total: total) > 0 else { return nil }
        return rows.offset(atRow: selectedRow)
    }
}
