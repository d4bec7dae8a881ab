import HindsightTUI
import Testing

@Suite("ListState, Table and ListView")
struct ListTests {
    @Test func selectionMovesAndClamps() {
        var state = ListState()
        state.moveSelection(by: 1, itemCount: 5)
        #expect(state.selected == 0)
        state.moveSelection(by: 10, itemCount: 5)
        #expect(state.selected == 4)
        state.moveSelection(by: -2, itemCount: 5)
        #expect(state.selected == 2)
        state.select(-3, itemCount: 5)
        #expect(state.selected == 0)
        state.selectLast(itemCount: 5)
        #expect(state.selected == 4)
        state.select(2, itemCount: 0)
        #expect(state.selected == nil)
        var fromNone = ListState()
        fromNone.moveSelection(by: -1, itemCount: 5)
        #expect(fromNone.selected == 4)
    }

    @Test("The offset moves as little as possible to keep the selection visible")
    func scrollingKeepsSelectionVisible() {
        var state = ListState(selected: 0)
        state.scrollToSelection(visibleRows: 3, itemCount: 10)
        #expect(state.offset == 0)
        state.select(4, itemCount: 10)
        state.scrollToSelection(visibleRows: 3, itemCount: 10)
        #expect(state.offset == 2)
        state.select(3, itemCount: 10)
        state.scrollToSelection(visibleRows: 3, itemCount: 10)
        #expect(state.offset == 2, "still visible: no jump")
        state.select(1, itemCount: 10)
        state.scrollToSelection(visibleRows: 3, itemCount: 10)
        #expect(state.offset == 1)
        #expect(state.visibleRange(visibleRows: 3, itemCount: 10) == 1..<4)
    }

    @Test("Every selection is visible after scrolling", arguments: [1, 2, 3, 7])
    func selectionAlwaysVisible(rows: Int) {
        var state = ListState(selected: 0)
        for target in [9, 0, 5, 6, 2, 9, 8, 0] {
            state.select(target, itemCount: 10)
            state.scrollToSelection(visibleRows: rows, itemCount: 10)
            #expect(state.visibleRange(visibleRows: rows, itemCount: 10).contains(target))
        }
    }

    @Test func offsetIsClampedWhenTheListShrinks() {
        var state = ListState(selected: 9, offset: 7)
        state.scrollToSelection(visibleRows: 3, itemCount: 4)
        #expect(state.selected == 3)
        #expect(state.offset == 1)
    }

    let table = Table(
        columns: [
            .init("Off", width: .length(3), alignment: .right),
            .init("Type", width: .length(7)),
            .init("Key", width: .fill),
        ],
        rows: (0..<6).map { Table.Row(["\($0)", $0 % 2 == 0 ? "deposit" : "withdrawal", "acct-\($0)"]) }
    )

    @Test func tableRendersHeaderRowsAndCutsCells() {
        var state = ListState()
        var buffer = Buffer(width: 20, height: 4)
        table.render(in: buffer.area, into: &buffer, state: &state)
        #expect(buffer.plainLines() == [
            "Off Type    Key     ",
            "  0 deposit acct-0  ",
            "  1 withdr… acct-1  ",
            "  2 deposit acct-2  ",
        ])
        #expect(buffer[0, 0].style == Style(bold: true, underline: true))
    }

    @Test func tableScrollsToTheSelectedRowAndHighlightsIt() {
        var state = ListState(selected: 4)
        var buffer = Buffer(width: 20, height: 4)
        table.render(in: buffer.area, into: &buffer, state: &state)
        #expect(state.offset == 2)
        #expect(buffer.plainLines() == [
            "Off Type    Key     ",
            "  2 deposit acct-2  ",
            "  3 withdr… acct-3  ",
            "  4 deposit acct-4  ",
        ])
        #expect((0..<20).allSatisfy { buffer[$0, 3].style.reverse })
        #expect(!buffer[0, 2].style.reverse)
    }

    @Test func tableHighlightSymbolAndEmptyMessage() {
        var withSymbol = table
        withSymbol.highlightSymbol = "> "
        withSymbol.showsHeader = false
        var state = ListState(selected: 1)
        var buffer = Buffer(width: 16, height: 2)
        withSymbol.render(in: buffer.area, into: &buffer, state: &state)
        #expect(buffer.plainLines() == ["    0 deposit a…", ">   1 withdr… a…"])

        var empty = table
        empty.rows = []
        empty.emptyMessage = "no events"
        var emptyState = ListState(selected: 3)
        var emptyBuffer = Buffer(width: 14, height: 3)
        empty.render(in: emptyBuffer.area, into: &emptyBuffer, state: &emptyState)
        #expect(emptyBuffer.plainLines() == ["Off Type    K…", "no events     ", "              "])
        #expect(emptyState.selected == nil)
    }

    @Test func listViewHighlightsAndScrolls() {
        let list = ListView((0..<5).map { Line("item \($0)") }, highlightSymbol: "• ")
        var state = ListState(selected: 3)
        var buffer = Buffer(width: 9, height: 2)
        list.render(in: buffer.area, into: &buffer, state: &state)
        #expect(buffer.plainLines() == ["  item 2 ", "• item 3 "])
        #expect(buffer[8, 1].style.reverse && !buffer[0, 0].style.reverse)
    }
}
