/// The selection and scroll position of a ``Table`` or ``ListView``, kept between frames.
///
/// The state computes the scroll offset: ``scrollToSelection(visibleRows:itemCount:)`` moves the
/// offset as little as possible so that the selected row is visible (rendering calls it).
public struct ListState: Sendable, Hashable {
    /// The selected item's index, or nil for no selection.
    public var selected: Int?
    /// The index of the first visible item.
    public var offset: Int

    public init(selected: Int? = nil, offset: Int = 0) {
        self.selected = selected
        self.offset = max(0, offset)
    }

    /// Selects `index`, clamped to `0..<itemCount` (nil when the list is empty or `index` is nil).
    public mutating func select(_ index: Int?, itemCount: Int) {
        guard let index, itemCount > 0 else {
            selected = nil
            return
        }
        selected = min(max(0, index), itemCount - 1)
    }

    /// Moves the selection by `delta` rows, clamped; with no selection, selects the first (or, going up, the last) item.
    public mutating func moveSelection(by delta: Int, itemCount: Int) {
        guard let current = selected else {
            select(delta >= 0 ? 0 : itemCount - 1, itemCount: itemCount)
            return
        }
        select(current + delta, itemCount: itemCount)
    }

    /// Selects the first item.
    public mutating func selectFirst(itemCount: Int) {
        select(0, itemCount: itemCount)
    }

    /// Selects the last item.
    public mutating func selectLast(itemCount: Int) {
        select(itemCount - 1, itemCount: itemCount)
    }

    /// Clamps the selection to the list and scrolls the least so the selection is visible
    /// and no empty rows show below the last item.
    public mutating func scrollToSelection(visibleRows: Int, itemCount: Int) {
        if let current = selected { select(current, itemCount: itemCount) }
        offset = offset(visibleRows: visibleRows, itemCount: itemCount)
    }

    /// The offset ``scrollToSelection(visibleRows:itemCount:)`` would set, without changing the state.
    public func offset(visibleRows: Int, itemCount: Int) -> Int {
        guard visibleRows > 0, itemCount > 0 else { return 0 }
        var result = min(max(0, offset), max(0, itemCount - visibleRows))
        if let current = selected.map({ min(max(0, $0), itemCount - 1) }) {
            if current < result { result = current }
            if current >= result + visibleRows { result = current - visibleRows + 1 }
        }
        return result
    }

    /// The indices of the items shown in `visibleRows` rows.
    public func visibleRange(visibleRows: Int, itemCount: Int) -> Range<Int> {
        let first = offset(visibleRows: visibleRows, itemCount: itemCount)
        return first..<min(itemCount, first + max(0, visibleRows))
    }
}
