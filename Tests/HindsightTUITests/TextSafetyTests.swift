import HindsightCore
import Testing

@Suite("TextSafety")
struct TextSafetyTests {
    @Test("C0 controls get named or hex escapes", arguments: [
        ("\u{1b}", "\\e"), ("\u{07}", "\\a"), ("\r", "\\r"), ("\n", "\\n"), ("\t", "\\t"),
        ("\u{08}", "\\b"), ("\u{00}", "\\0"), ("\u{01}", "\\x01"), ("\u{1f}", "\\x1f"), ("\u{0b}", "\\x0b"),
    ])
    func c0(input: String, expected: String) {
        #expect(TextSafety.escape(input) == expected)
        #expect(!TextSafety.isSafe(input))
    }

    @Test("DEL, C1, bidi and spoofing format characters are escaped", arguments: [
        ("\u{7f}", "\\x7f"), ("\u{80}", "\\u{80}"), ("\u{9b}", "\\u{9b}"), ("\u{9f}", "\\u{9f}"),
        ("\u{202a}", "\\u{202a}"), ("\u{202e}", "\\u{202e}"), ("\u{2066}", "\\u{2066}"), ("\u{2069}", "\\u{2069}"),
        ("\u{200e}", "\\u{200e}"), ("\u{200f}", "\\u{200f}"), ("\u{61c}", "\\u{61c}"),
        ("\u{2028}", "\\u{2028}"), ("\u{2029}", "\\u{2029}"), ("\u{feff}", "\\u{feff}"),
    ])
    func otherControls(input: String, expected: String) {
        #expect(TextSafety.escape(input) == expected)
        #expect(!TextSafety.isSafe(input))
    }

    @Test func escapesInsideText() {
        #expect(TextSafety.escape("a\u{1b}[2Jb") == "a\\e[2Jb")
        #expect(TextSafety.escape("user\u{202e}gnp.exe") == "user\\u{202e}gnp.exe")
        #expect(TextSafety.escape("line1\r\nline2") == "line1\\r\\nline2")
        #expect(TextSafety.escape("世界\u{9b}31m") == "世界\\u{9b}31m")
    }

    @Test("Printable text, CJK, emoji, combining marks and backslashes are kept", arguments: [
        "plain ASCII ~!@#$%^&*()", "back\\slash \\e", "世界 한국어 日本語", "🎉 👨‍👩‍👧 🇯🇵 ❤️ 1️⃣",
        "e\u{301}le\u{300}ve", "zero\u{200b}width\u{200d}joiner", "nbsp\u{a0}é", "\u{2027}\u{202f}\u{2065}\u{206a}\u{fefe}\u{61b}",
    ])
    func keepsSafeText(input: String) {
        #expect(TextSafety.isSafe(input))
        #expect(TextSafety.escape(input) == input)
    }

    @Test("isSafe agrees with a reference set on every scalar of the BMP")
    func isSafeMatchesReference() {
        func referenceUnsafe(_ v: UInt32) -> Bool {
            v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x61C || v == 0x200E || v == 0x200F
                || (0x2028...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0xFEFF
        }
        var mismatches: [UInt32] = []
        for v in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let s = "a" + String(Character(scalar)) + "b"
            if TextSafety.isSafe(s) == referenceUnsafe(v) { mismatches.append(v) }
            if referenceUnsafe(v) && TextSafety.escape(s).unicodeScalars.contains(scalar) { mismatches.append(v) }
        }
        #expect(mismatches.isEmpty, "mismatched scalars: \(mismatches.prefix(10).map { String($0, radix: 16) })")
    }

    @Test("Escaped text is always safe and escaping is idempotent")
    func escapeIsIdempotent() {
        let samples = ["\u{1b}]0;title\u{07}", "\u{9b}\u{202e}\u{2066}x\u{feff}", "a\\e\u{0}", "\r\n\r\n", "e\u{1b}\u{301}"]
        for s in samples {
            let once = TextSafety.escape(s)
            #expect(TextSafety.isSafe(once))
            #expect(TextSafety.escape(once) == once)
        }
    }

    @Test("Display widths", arguments: [
        ("a", 1), ("世", 2), ("한", 2), ("Ａ", 2), ("ｱ", 1), ("é", 1), ("e\u{301}", 1), ("🎉", 2), ("👨‍👩‍👧", 2),
        ("🇯🇵", 2), ("❤️", 2), ("❤", 1), ("1️⃣", 2), ("\u{301}", 0), ("\u{200b}", 0), ("\u{1b}", 2), ("\u{01}", 4),
        ("\u{7f}", 4), ("\u{9b}", 6), ("\u{202e}", 8), ("\r\n", 4), ("─", 1), ("▇", 1), ("…", 1),
    ])
    func widthOfCharacter(input: String, expected: Int) throws {
        let c = try #require(input.first)
        #expect(input.count == 1)
        #expect(TextSafety.displayWidth(of: c) == expected)
        #expect(TextSafety.displayWidth(input) == expected)
    }

    @Test func widthOfStrings() {
        #expect(TextSafety.displayWidth("") == 0)
        #expect(TextSafety.displayWidth("hello") == 5)
        #expect(TextSafety.displayWidth("世界 ok") == 7)
        #expect(TextSafety.displayWidth("cafe\u{301}") == 4)
        #expect(TextSafety.displayWidth("a\u{1b}[2J") == 1 + 2 + 3)
    }

    @Test("The width of text equals the width of its escape")
    func widthCountsEscapes() {
        for s in ["a\u{1b}b", "\u{202e}evil", "x\r\ny", "\u{9b}\u{7f}\u{0}", "世\u{1b}\u{301}界", "\u{2066}🎉\u{2069}"] {
            #expect(TextSafety.displayWidth(s) == TextSafety.displayWidth(TextSafety.escape(s)), "\(TextSafety.escape(s))")
        }
    }

    @Test func printableASCIIFastPath() {
        #expect(TextSafety.isPrintableASCII("Hello, world! ~"))
        #expect(!TextSafety.isPrintableASCII("tab\there"))
        #expect(!TextSafety.isPrintableASCII("é"))
        #expect(TextSafety.isPrintableASCII(""))
    }

    @Test func truncateExamples() {
        #expect(TextSafety.truncate("hello world", toWidth: 5) == "hell…")
        #expect(TextSafety.truncate("hello", toWidth: 5) == "hello")
        #expect(TextSafety.truncate("hello", toWidth: 0) == "")
        #expect(TextSafety.truncate("世界世界", toWidth: 5) == "世界…")
        #expect(TextSafety.truncate("世界世界", toWidth: 4) == "世…")
        #expect(TextSafety.truncate("世界世界", toWidth: 1) == "…")
        #expect(TextSafety.truncate("abcdef", toWidth: 2, ellipsis: "...") == "ab")
        #expect(TextSafety.truncate("abcdef", toWidth: 4, ellipsis: "") == "abcd")
        #expect(TextSafety.truncate("e\u{301}e\u{301}e\u{301}", toWidth: 2) == "e\u{301}…")
        #expect(TextSafety.truncate("a\u{1b}bc", toWidth: 3) == "a\\…")
        #expect(TextSafety.truncate("🎉🎉🎉", toWidth: 4) == "🎉…")
    }

    @Test("truncate never exceeds the width, never splits a grapheme, and returns safe text")
    func truncateProperties() {
        let samples = [
            "", "a", "hello world", "世界世界世界", "🎉a🎉b👨‍👩‍👧c", "e\u{301}x\u{302}y", "\u{1b}[31mred\u{1b}[0m",
            "mixed 世 a 🇯🇵 \u{202e}x", String(repeating: "ab", count: 40),
        ]
        for s in samples {
            let escaped = TextSafety.escape(s)
            for width in 0...24 {
                for ellipsis in ["…", "...", ""] {
                    let cut = TextSafety.truncate(s, toWidth: width, ellipsis: ellipsis)
                    #expect(TextSafety.displayWidth(cut) <= width, "\(s) @\(width): \(cut)")
                    #expect(TextSafety.isSafe(cut))
                    let body = cut.hasSuffix(ellipsis) && cut != escaped ? String(cut.dropLast(ellipsis.count)) : cut
                    #expect(escaped.hasPrefix(body), "\(s) @\(width): \(cut)")
                    if TextSafety.displayWidth(s) <= width { #expect(cut == escaped) }
                }
            }
        }
    }

    @Test func padAndFit() {
        #expect(TextSafety.pad("ab", toWidth: 4) == "ab  ")
        #expect(TextSafety.pad("ab", toWidth: 4, alignment: .right) == "  ab")
        #expect(TextSafety.pad("ab", toWidth: 5, alignment: .center) == " ab  ")
        #expect(TextSafety.pad("世", toWidth: 3) == "世 ")
        #expect(TextSafety.pad("toolong", toWidth: 3) == "toolong")
        #expect(TextSafety.pad("\u{1b}", toWidth: 3) == "\\e ")
        #expect(TextSafety.fit("世界世界", toWidth: 4) == "世… ")
        #expect(TextSafety.fit("abc", toWidth: 5, alignment: .right) == "  abc")
        for width in 0...8 {
            #expect(TextSafety.displayWidth(TextSafety.fit("世界ab🎉c", toWidth: width)) == width)
        }
    }
}
