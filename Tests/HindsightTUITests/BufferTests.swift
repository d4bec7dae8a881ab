import HindsightCore
import HindsightTUI
import Testing

@Suite("Buffer")
struct BufferTests {
    @Test func newBufferIsBlank() {
        let buffer = Buffer(width: 3, height: 2)
        #expect(buffer.plainLines() == ["   ", "   "])
        #expect(buffer.plainLines(trimmingTrailingSpaces: true) == ["", ""])
        #expect(buffer[5, 5] == .blank)
    }

    @Test func putWritesAndClipsAtTheEdge() {
        var buffer = Buffer(width: 6, height: 2)
        #expect(buffer.put("hello world", x: 2, y: 0) == 4)
        #expect(buffer.put("abc", x: 0, y: 1, maxWidth: 2) == 2)
        #expect(buffer.plainLines() == ["  hell", "ab    "])
        #expect(buffer.put("zzz", x: 0, y: 2) == 0)
        #expect(buffer.put("zzz", x: 6, y: 0) == 0)
    }

    @Test func putAppliesStyle() {
        var buffer = Buffer(width: 4, height: 1)
        buffer.put("ab", x: 1, y: 0, style: Style(fg: .red))
        #expect(buffer[0, 0].style == .plain)
        #expect(buffer[1, 0].style == Style(fg: .red))
        #expect(buffer[2, 0].style == Style(fg: .red))
        #expect(buffer[3, 0].style == .plain)
    }

    @Test func wideCharactersTakeTwoCells() {
        var buffer = Buffer(width: 6, height: 1)
        #expect(buffer.put("a世b", x: 0, y: 0) == 4)
        #expect(buffer[1, 0].symbol == "世")
        #expect(buffer[2, 0].isContinuation)
        #expect(buffer[3, 0].symbol == "b")
        #expect(buffer.plainLines() == ["a世b  "])
    }

    @Test("A wide character that does not fit at the edge is left out whole")
    func wideAtRightEdge() {
        var buffer = Buffer(width: 5, height: 1)
        #expect(buffer.put("ab世界", x: 0, y: 0) == 4)
        #expect(buffer.plainLines() == ["ab世 "])
        #expect(!buffer[4, 0].isContinuation)
        var limited = Buffer(width: 10, height: 1)
        #expect(limited.put("世界", x: 0, y: 0, maxWidth: 3) == 2)
        #expect(limited.plainLines() == ["世        "])
    }

    @Test("A wide character straddling column 0 leaves a blank")
    func wideAtLeftEdge() {
        var buffer = Buffer(width: 4, height: 1)
        buffer.put("xxxx", x: 0, y: 0)
        #expect(buffer.put("世界", x: -1, y: 0) == 4)
        #expect(buffer.plainLines() == [" 界x"])
        #expect(buffer[1, 0].symbol == "界")
    }

    @Test("Overwriting half of a wide character blanks the other half")
    func overwriteHalves() {
        var buffer = Buffer(width: 6, height: 1)
        buffer.put("世界", x: 0, y: 0)
        buffer.put("x", x: 1, y: 0)  // right half of 世
        #expect(buffer.plainLines() == [" x界  "])
        buffer.put("y", x: 2, y: 0)  // left half of 界
        #expect(buffer.plainLines() == [" xy   "])
        #expect(buffer.cells.allSatisfy { !$0.isContinuation })
        buffer.put("世界", x: 0, y: 0)
        buffer.put("한", x: 1, y: 0)  // straddles both
        #expect(buffer.plainLines() == [" 한   "])
    }

    @Test("Control characters are stored as visible escapes, never raw")
    func controlsAreEscaped() {
        var buffer = Buffer(width: 24, height: 1)
        let written = buffer.put("a\u{1b}[2J\u{7}b\u{202e}c\u{9b}", x: 0, y: 0)
        #expect(buffer.plainLines(trimmingTrailingSpaces: true) == ["a\\e[2J\\ab\\u{202e}c\\u{9b}"])
        #expect(written == TextSafety.displayWidth("a\u{1b}[2J\u{7}b\u{202e}c\u{9b}"))
        let hostile = "\u{0}\u{1}\u{8}\t\n\r\u{1b}\u{7f}\u{85}\u{9b}\u{200e}\u{200f}\u{202a}\u{202e}\u{2066}\u{2069}\u{61c}\u{2028}\u{2029}\u{feff}"
        var big = Buffer(width: 200, height: 2)
        big.put(hostile, x: 0, y: 0)
        big.put(line: Line(spans: [Span(hostile, style: Style(bold: true))]), x: 0, y: 1)
        big.fill(Rect(x: 150, y: 0, width: 3, height: 1), with: "\u{1b}")
        for cell in big.cells {
            #expect(TextSafety.isSafe(String(cell.symbol)), "raw control in cell: \(cell.symbol.unicodeScalars.map(\.value))")
        }
    }

    @Test func zeroWidthGraphemesAreDropped() {
        var buffer = Buffer(width: 4, height: 1)
        #expect(buffer.put("\u{301}x\u{200b}y", x: 0, y: 0) == 2)
        #expect(buffer.plainLines() == ["xy  "])
        buffer.put("e\u{301}", x: 2, y: 0)
        #expect(buffer[2, 0].symbol == "e\u{301}")
    }

    @Test func putLineUsesSpanStylesOverTheBase() {
        var buffer = Buffer(width: 8, height: 1)
        let line = Line(spans: [Span("ab", style: Style(fg: .red)), Span("cd")])
        #expect(buffer.put(line: line, x: 1, y: 0, style: Style(bold: true), maxWidth: 3) == 3)
        #expect(buffer.plainLines() == [" abc    "])
        #expect(buffer[1, 0].style == Style(fg: .red, bold: true))
        #expect(buffer[3, 0].style == Style(bold: true))
    }

    @Test func putAlignedAlignsAndTruncates() {
        var buffer = Buffer(width: 8, height: 3)
        buffer.putAligned(Line("ab", alignment: .right), x: 0, y: 0, width: 8)
        buffer.putAligned(Line("ab", alignment: .center), x: 0, y: 1, width: 8)
        buffer.putAligned(Line("abcdefghij"), x: 0, y: 2, width: 8)
        #expect(buffer.plainLines() == ["      ab", "   ab   ", "abcdefg…"])
        var clipped = Buffer(width: 8, height: 1)
        clipped.putAligned(Line("abcdefghij"), x: 0, y: 0, width: 5, ellipsis: nil)
        #expect(clipped.plainLines() == ["abcde   "])
    }

    @Test func fillSetStyleAndPatch() {
        var buffer = Buffer(width: 4, height: 3)
        buffer.put("abcd", x: 0, y: 1)
        buffer.fill(Rect(x: 1, y: 0, width: 2, height: 1), with: "#", style: Style(fg: .blue))
        buffer.setStyle(Rect(x: 0, y: 1, width: 2, height: 1), Style(fg: .green))
        buffer.patchStyle(Rect(x: 1, y: 1, width: 2, height: 1), Style(reverse: true))
        buffer.fill(Rect(x: 3, y: 2, width: 5, height: 5), style: Style(bg: .red))
        #expect(buffer.plainLines() == [" ## ", "abcd", "    "])
        #expect(buffer[0, 1].style == Style(fg: .green))
        #expect(buffer[1, 1].style == Style(fg: .green, reverse: true))
        #expect(buffer[2, 1].style == Style(reverse: true))
        #expect(buffer[3, 2].style == Style(bg: .red))
        buffer.fill(Rect(x: 0, y: 0, width: 1, height: 1), with: "世")
        #expect(buffer[0, 0].symbol == " ")
    }

    @Test func styledDescriptionListsRuns() {
        var buffer = Buffer(width: 6, height: 2)
        buffer.put("hi", x: 0, y: 0, style: Style(fg: .cyan, bold: true))
        buffer.put("世", x: 3, y: 1, style: Style(reverse: true))
        #expect(buffer.styledDescription() == """
            hi
               世
            --- 6x2
            --- styles
            0:0-1 fg=cyan bold
            1:3-4 reverse

            """)
        #expect(buffer.plainDescription() == "hi\n   世\n--- 6x2\n")
    }

    @Test func monochromeKeepsAttributesAndHighlights() {
        #expect(Style(fg: .red, bold: true).monochrome == Style(bold: true))
        #expect(Style(fg: .white, bg: .blue).monochrome == Style(reverse: true))
        #expect(Style(bg: .blue, reverse: true).monochrome == Style(reverse: true))
        #expect(Style(fg: .green, dim: true, underline: true).monochrome == Style(dim: true, underline: true))
        #expect(ColorMode.fromEnvironment(["NO_COLOR": "1"]) == .monochrome)
        #expect(ColorMode.fromEnvironment(["NO_COLOR": ""]) == .color)
        #expect(ColorMode.fromEnvironment([:]) == .color)
        var buffer = Buffer(width: 2, height: 1, style: Style(fg: .red, bold: true))
        buffer.mapStyles(ColorMode.monochrome.apply)
        #expect(buffer[0, 0].style == Style(bold: true))
    }

    @Test func stylePatching() {
        let base = Style(fg: .red, bg: .blue, bold: true)
        #expect(base.patched(with: Style(fg: .green, reverse: true)) == Style(fg: .green, bg: .blue, bold: true, reverse: true))
        #expect(base.patched(with: .plain) == base)
        #expect(Style.plain.fg(.cyan).bolded().reversed() == Style(fg: .cyan, bold: true, reverse: true))
        #expect(Color.brightRed.basic == .red && Color.red.basic == .red && Color.brightRed.isBright)
        #expect(Color.default.ansiIndex == nil && Color.brightWhite.ansiIndex == 15)
    }
}
