import HindsightTUI
import Testing

@Suite("StatusBar, MessageLine and Prompt")
struct BarWidgetTests {
    @Test func statusBarAlignsLeftAndRight() {
        let bar = StatusBar(left: "file.jsonl", right: "3/10")
        let buffer = renderedBuffer(bar, width: 20, height: 1)
        #expect(buffer.plainLines() == ["file.jsonl      3/10"])
        #expect(buffer.cells.allSatisfy { $0.style == Style(reverse: true) })
    }

    @Test func statusBarKeepsTheRightPartWhenTight() {
        #expect(rendered(StatusBar(left: "file.jsonl", right: "3/10"), width: 10, height: 1) == ["file… 3/10"])
        #expect(rendered(StatusBar(left: "left", right: "a long right part"), width: 8, height: 1) == ["a long …"])
        #expect(rendered(StatusBar(left: "only left"), width: 6, height: 2) == ["only …", "      "])
    }

    @Test func messageLineStylesByKind() {
        let buffer = renderedBuffer(MessageLine("no such key: acct-9", kind: .error), width: 12, height: 1)
        #expect(buffer.plainLines() == ["no such key…"])
        #expect(buffer[0, 0].style == Style(fg: .red, bold: true))
        #expect(MessageLine.Kind.warning.style.monochrome.bold)
        #expect(rendered(MessageLine("ok\u{1b}", kind: .success), width: 6, height: 1) == ["ok\\e  "])
    }

    @Test func promptShowsTextAndCursor() {
        var buffer = Buffer(width: 8, height: 1)
        Prompt(label: "/", state: PromptState(text: "hello")).render(in: buffer.area, into: &buffer)
        #expect(buffer.plainLines() == ["/hello  "])
        #expect(buffer.cursor == Point(x: 6, y: 0))
        #expect(buffer[6, 0].style.reverse)
        #expect(!buffer[5, 0].style.reverse)
    }

    @Test func promptScrollsToKeepTheCursorVisible() {
        var state = PromptState(text: "abcdefghij")
        var buffer = Buffer(width: 6, height: 1)
        Prompt(label: "/", state: state).render(in: buffer.area, into: &buffer)
        #expect(buffer.plainLines() == ["/ghij "])
        #expect(buffer.cursor == Point(x: 5, y: 0))

        state.moveToStart()
        buffer = Buffer(width: 6, height: 1)
        Prompt(label: "/", state: state).render(in: buffer.area, into: &buffer)
        #expect(buffer.plainLines() == ["/abcde"])
        #expect(buffer.cursor == Point(x: 1, y: 0))
        #expect(buffer[1, 0].style.reverse)
    }

    @Test func promptCursorOnAWideCharacter() {
        var state = PromptState(text: "a世b")
        state.moveLeft()
        state.moveLeft()
        var buffer = Buffer(width: 8, height: 1)
        Prompt(label: "> ", state: state).render(in: buffer.area, into: &buffer)
        #expect(buffer.plainLines() == ["> a世b  "])
        #expect(buffer.cursor == Point(x: 3, y: 0))
        #expect(buffer[3, 0].style.reverse && buffer[4, 0].style.reverse && !buffer[5, 0].style.reverse)
    }

    @Test func promptPlaceholder() {
        var buffer = Buffer(width: 10, height: 1)
        Prompt(label: "/", state: PromptState(), placeholder: "search").render(in: buffer.area, into: &buffer)
        #expect(buffer.plainLines() == ["/search   "])
        #expect(buffer[2, 0].style == Style(dim: true))
        #expect(buffer.cursor == Point(x: 1, y: 0))
    }
}
