import HindsightTUI
import Testing

@Suite("Paragraph")
struct ParagraphTests {
    let lines: [Line] = ["one", "two is longer than the area", "three", "four"]

    @Test func showsLinesAndCutsWithAnEllipsis() {
        #expect(rendered(Paragraph(lines), width: 10, height: 3) == [
            "one       ",
            "two is lo…",
            "three     ",
        ])
    }

    @Test func scrollOffset() {
        #expect(rendered(Paragraph(lines, scroll: 2), width: 6, height: 3) == ["three ", "four  ", "      "])
        #expect(rendered(Paragraph(lines, scroll: 99), width: 6, height: 2) == ["four  ", "      "])
    }

    @Test func wrapsAtWords() {
        let paragraph = Paragraph(["the quick brown fox jumps"], wrap: true)
        #expect(rendered(paragraph, width: 10, height: 4) == [
            "the quick ",
            "brown fox ",
            "jumps     ",
            "          ",
        ])
        #expect(paragraph.rowCount(width: 10) == 3)
        #expect(paragraph.maxScroll(for: Size(width: 10, height: 2)) == 1)
    }

    @Test func wrapBreaksLongWordsAndKeepsStyles() {
        let line = Line(spans: [Span("abcdefgh", style: Style(fg: .red)), Span("ij")])
        let rows = Paragraph.wrap(line, width: 4)
        #expect(rows.map(\.plainText) == ["abcd", "efgh", "ij"])
        #expect(rows[0].spans == [Span("abcd", style: Style(fg: .red))])
        #expect(rows[2].spans == [Span("ij")])
    }

    @Test func wrapsWideCharacters() {
        #expect(Paragraph.wrap("世界世界世", width: 5).map(\.plainText) == ["世界", "世界", "世"])
        #expect(Paragraph.wrap("", width: 5).map(\.plainText) == [""])
    }

    @Test func alignmentAndBaseStyle() {
        let buffer = renderedBuffer(Paragraph([Line("hi", alignment: .right)], style: Style(bg: .blue)), width: 5, height: 2)
        #expect(buffer.plainLines() == ["   hi", "     "])
        #expect(buffer.cells.allSatisfy { $0.style.bg == .blue })
    }

    @Test func textInitialiserSplitsLinesAndEscapesControls() {
        #expect(rendered(Paragraph(text: "a\u{1b}b\nc\td"), width: 6, height: 2) == ["a\\eb  ", "c\\td  "])
    }
}
