@testable import HindsightCore
import PropertyBased
import Testing

/// The scalar-counting fast path of `TextSafety.displayWidth` and `truncate` against the
/// grapheme-by-grapheme reference.
@Suite("Display width: the simple-scalar fast path agrees with the grapheme measure")
struct DisplayWidthFastPathTests {
    /// Every scalar the fast path accepts, one by one.
    static let simpleScalars: [Unicode.Scalar] = (0x80...0x2200).compactMap { v in
        TextSafety.isSimpleNarrow(UInt32(v)) ? Unicode.Scalar(UInt32(v)) : nil
    }

    /// The reference: grapheme by grapheme, never the fast paths.
    static func referenceWidth(_ s: String) -> Int {
        s.reduce(0) { $0 + TextSafety.displayWidth(of: $1) }
    }

    @Test func everySimpleScalarIsSafeOneColumnAndAGraphemeOfItsOwn() {
        #expect(Self.simpleScalars.count > 900)
        for scalar in Self.simpleScalars {
            let alone = String(Character(scalar))
            #expect(!TextSafety.isUnsafe(scalar.value), "U+\(String(scalar.value, radix: 16))")
            #expect(TextSafety.displayWidth(of: Character(scalar)) == 1, "U+\(String(scalar.value, radix: 16))")
            // Between ASCII letters and next to itself it stays a grapheme of its own.
            #expect(("a" + alone + alone + "a").count == 4, "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test func randomMixesMeasureAsTheReferenceDoes() async {
        let ascii: [Unicode.Scalar] = (0x20..<0x7F).compactMap { Unicode.Scalar(UInt32($0)) }
        let pool = ascii + Self.simpleScalars
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int.max / 2), Gen.int(in: 0...60)) { seed, length in
            var state = UInt64(seed)
            var text = String.UnicodeScalarView()
            for _ in 0..<length {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text.append(pool[Int(state >> 33) % pool.count])
            }
            let s = String(text)
            #expect(TextSafety.simpleScalarCount(s) == Self.referenceWidth(s))
            #expect(TextSafety.displayWidth(s) == Self.referenceWidth(s))
            for width in [1, 5, 17] {
                let cut = TextSafety.truncate(s, toWidth: width)
                #expect(Self.referenceWidth(cut) <= width)
                if Self.referenceWidth(s) > width {
                    #expect(cut.hasSuffix("…"))
                    #expect(Self.referenceWidth(cut) == width)
                } else {
                    #expect(cut == s)
                }
            }
        }
    }

    @Test func anythingElseTakesTheGraphemePath() {
        // A combining accent, a keycap, an emoji, a wide character, a control: not simple.
        for s in ["e\u{301}", "1\u{FE0F}\u{20E3}", "‼", "日本", "a\u{1B}b", "\u{A0}", "\u{AD}"] {
            #expect(TextSafety.simpleScalarCount(s) == nil, "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(TextSafety.displayWidth("balance: 80 → 130, note: “x…”") == 29)
    }
}
