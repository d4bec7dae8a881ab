import HindsightTUI
import Testing

@Suite("Block")
struct BlockTests {
    @Test func bordersAndTitle() {
        #expect(rendered(Block(title: "Events"), width: 12, height: 3) == [
            "┌ Events ──┐",
            "│          │",
            "└──────────┘",
        ])
    }

    @Test func borderTypes() {
        #expect(rendered(Block(borderType: .rounded), width: 4, height: 3) == ["╭──╮", "│  │", "╰──╯"])
        #expect(rendered(Block(borderType: .double), width: 3, height: 2) == ["╔═╗", "╚═╝"])
        #expect(rendered(Block(borderType: .thick), width: 3, height: 2) == ["┏━┓", "┗━┛"])
    }

    @Test func longTitleIsCut() {
        #expect(rendered(Block(title: "A very long title"), width: 10, height: 2) == [
            "┌ A very…┐",
            "└────────┘",
        ])
    }

    @Test func titleAlignment() {
        let block = Block(title: Line("T", alignment: .right))
        #expect(rendered(block, width: 9, height: 2) == ["┌──── T ┐", "└───────┘"])
    }

    @Test func innerArea() {
        let area = Rect(x: 1, y: 1, width: 10, height: 5)
        #expect(Block().inner(area) == Rect(x: 2, y: 2, width: 8, height: 3))
        #expect(Block(borders: [.top]).inner(area) == Rect(x: 1, y: 2, width: 10, height: 4))
        #expect(Block().inner(Rect(x: 0, y: 0, width: 1, height: 1)).isEmpty)
    }

    @Test func partialBorders() {
        #expect(rendered(Block(title: "x", borders: [.top, .bottom]), width: 6, height: 3) == [
            " x ───",
            "      ",
            "──────",
        ])
    }

    @Test func focusChangesTheBorderStyle() {
        let focused = renderedBuffer(Block(title: "T", isFocused: true), width: 6, height: 2)
        let unfocused = renderedBuffer(Block(title: "T", isFocused: false), width: 6, height: 2)
        #expect(focused[0, 0].style == Block.defaultFocusedStyle)
        #expect(focused[2, 0].style == Block.defaultFocusedStyle)
        #expect(unfocused[0, 0].style == Block.defaultUnfocusedStyle)
        #expect(unfocused[2, 0].style == .plain, "an unfocused title stays readable")
        #expect(focused.plainLines() == unfocused.plainLines())
    }

    @Test func tinyAreasDoNotCrash() {
        #expect(rendered(Block(title: "T"), width: 1, height: 1).count == 1)
        #expect(rendered(Block(title: "T"), width: 0, height: 0) == [])
        #expect(rendered(Block(title: "Title"), width: 2, height: 2) == ["┌┐", "└┘"])
    }
}
