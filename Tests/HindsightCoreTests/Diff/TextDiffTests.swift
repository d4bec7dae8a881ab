import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

/// The summary ``DiffText`` writes for the parsed documents: the reference ``TextDiff`` must equal.
private func referenceSummary(_ old: String?, _ new: String, width: Int = 100) throws -> String {
    let a = try old.map { try JSONParser.parse($0) }
    let b = try JSONParser.parse(new)
    return DiffText.summary(StructuralDiff.changes(from: a, to: b), in: b, maxWidth: width)
}

/// TextDiff's summary, or nil when it declines.
private func textSummary(_ old: String?, _ new: String, width: Int = 100) -> String? {
    var diff = TextDiff()
    var out: [UInt8] = []
    let newBytes = Array(new.utf8)
    let answered = newBytes.withUnsafeBytes { n in
        if let old {
            return Array(old.utf8).withUnsafeBytes { o in diff.summary(from: o, to: n, maxWidth: width, into: &out) }
        }
        return diff.summary(from: nil, to: n, maxWidth: width, into: &out)
    }
    return answered ? String(decoding: out, as: UTF8.self) : nil
}

@Suite("TextDiff: change summaries on JSON text")
struct TextDiffTests {
    @Test func summarisesObjectVersionsAsDiffTextDoes() throws {
        let cases: [(String?, String)] = [
            (nil, #"{"balance":80}"#),
            (#"{"balance":80,"owner":"Al"}"#, #"{"balance":130,"owner":"Al"}"#),
            (#"{"a":1,"b":2}"#, #"{"b":2}"#),
            (#"{"a":1}"#, #"{"a":1,"first name":"Jo","c":{"d":true}}"#),
            (#"{"address":{"city":"Golf","street":"1 A St"}}"#, #"{"address":{"city":"Echo","street":"1 A St","zip":"9"}}"#),
            (#"{"n":1.0}"#, #"{"n":1}"#),
            (#"{"n":0}"#, #"{"n":-0}"#),
            (#"{"n":1e2}"#, #"{"n":100.5}"#),
            (#"{"s":"x"}"#, #"{"s":null}"#),
            (#"{"s":"caf\u00e9"}"#, #"{"s":"café"}"#),
            (#"{"tags":["a","b"]}"#, #"{"tags":["a","c","d"]}"#),
            (#"{"tags":[{"n":1}]}"#, #"{"tags":[{"n":2}]}"#),
            (#"{"o":{"x":[1]}}"#, #"{"o":{"x":[1,2]}}"#),
            (#"{"a":"a long text that goes on and on and on"}"#, #"{"a":"another long text, longer than the width"}"#),
            (#"{ "a" : 1 , "b" : [ 1 ] }"#, #"{"a":2,"b":[1]}"#),
            (#"{"same":1}"#, #"{"same":1}"#),
            (#"{"a":{"b":1}}"#, #"{"a":"now a string"}"#),
            // Arrays of atoms, aligned on text.
            (#"{"tags":["a","b","c"]}"#, #"{"tags":["c","b","a"]}"#),
            (#"{"tags":["a","b"]}"#, #"{"tags":["x","y"]}"#),
            (#"{"tags":["a","a","b"]}"#, #"{"tags":["a","b","b","a"]}"#),
            (#"{"tags":[1,true,null,"1"]}"#, #"{"tags":["1",null,true,1]}"#),
            (#"{"tags":[]}"#, #"{"tags":[7,8]}"#),
            (#"{"tags":[7,8,9]}"#, #"{"tags":[]}"#),
            (#"{"first name":[1,2]}"#, #"{"first name":[1,3]}"#),
            (#"{"o":{"x":["a very long element that does not fit","b"]}}"#, #"{"o":{"x":["another very long element, cut too","b"]}}"#),
            (#"{"t":[ 1 , 2 ]}"#, #"{"t":[1,2]}"#),
            // Not atoms (the trees align these): numbers with other spellings, escapes, big integers, zero.
            (#"{"t":[1.0,2]}"#, #"{"t":[1,2]}"#),
            (#"{"t":["\u0061"]}"#, #"{"t":["a"]}"#),
            (#"{"t":[12345678901234567890]}"#, #"{"t":[12345678901234567891]}"#),
            (#"{"t":[0,1]}"#, #"{"t":[-0,1]}"#),
        ]
        for (old, new) in cases {
            let expected = try referenceSummary(old, new)
            let found = textSummary(old, new)
            #expect(found == expected, "\(old ?? "nil") → \(new)")
        }
    }

    @Test func declinesWhereTheTextCannotTell() {
        // A member named by digits (a dotted path would depend on the document), a repeated name, an
        // escaped or non-ASCII name, a document that is not an object.
        #expect(textSummary(#"{"0":1}"#, #"{"0":2}"#) == nil)
        #expect(textSummary(#"{"a":1,"a":2}"#, #"{"a":3}"#) == nil)
        #expect(textSummary(#"{"\u0061":1}"#, #"{"a":2}"#) == nil)
        #expect(textSummary(#"{"é":1}"#, #"{"é":2}"#) == nil)
        #expect(textSummary(#"[1]"#, #"[2]"#) == nil)
        #expect(textSummary(#"{"a":1}"#, #""text""#) == nil)
    }

    @Test func manyChangesEndWithHowManyMore() throws {
        let old = #"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}"#
        let new = #"{"a":10,"b":20,"c":30,"d":40,"e":50,"f":60}"#
        for width in [10, 12, 20, 25, 31, 40, 60, 100] {
            let expected = try referenceSummary(old, new, width: width)
            let found = textSummary(old, new, width: width)
            // Where not even one part fits, TextDiff declines (the caller cuts the full text).
            if let found { #expect(found == expected, "width \(width)") }
        }
        #expect(textSummary(old, new, width: 20) == "a: 1 → 10, … +5 more")
    }

    /// The property: wherever TextDiff answers, its summary is DiffText's on the parsed documents, for
    /// random related objects written compact or pretty, at random widths; and it answers for most.
    @Test func equalsTheTreeSummaryOnRandomDocuments() async throws {
        let answered = Counter()
        await propertyCheck(count: 600, input: DiffTestSupport.relatedPair, Gen.int(in: 10...120)) { pair, width throws in
            guard case .object = pair.0, case .object = pair.1 else { return }
            let old = pair.0.isNull ? nil : JSONSerializer.compact(pair.0)
            for new in [JSONSerializer.compact(pair.1), JSONSerializer.pretty(pair.1)] {
                let expected = try referenceSummary(old, new, width: width)
                if let found = textSummary(old, new, width: width) {
                    answered.add()
                    #expect(found == expected, "\(old ?? "nil") → \(new) at \(width)")
                }
            }
        }
        #expect(answered.value > 100)
    }
}

extension TextDiffTests {
    /// Arrays of atoms drawn from a few values (so that elements repeat and the alignment has choices),
    /// edited at random: the text alignment gives DiffText's summary of the trees.
    @Test func alignsArraysOfAtomsAsTheTreesDo() throws {
        let atoms = [#""a""#, #""b""#, #""c""#, "1", "2", "-3", "true", "null", #""a longer element than the value width allows""#]
        var rng = SplitMix(seed: 7)
        for _ in 0..<800 {
            let old = (0..<Int.random(in: 0...9, using: &rng)).map { _ in atoms.randomElement(using: &rng) ?? "1" }
            var new = old
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                switch Int.random(in: 0...2, using: &rng) {
                case 0: new.insert(atoms.randomElement(using: &rng) ?? "1", at: Int.random(in: 0...new.count, using: &rng))
                case 1: if !new.isEmpty { new.remove(at: Int.random(in: 0..<new.count, using: &rng)) }
                default: if !new.isEmpty { new[Int.random(in: 0..<new.count, using: &rng)] = atoms.randomElement(using: &rng) ?? "1" }
                }
            }
            let a = #"{"n":1,"tags":["# + old.joined(separator: ",") + "]}"
            let b = #"{"n":1,"tags":["# + new.joined(separator: ",") + "]}"
            for width in [100, 40] {
                let expected = try referenceSummary(a, b, width: width)
                let found = textSummary(a, b, width: width)
                if let found { #expect(found == expected, "\(a) → \(b) at \(width)") }
                if width == 100 { #expect(found != nil, "\(a) → \(b)") }
            }
        }
    }
}

/// Counts from inside a property (which runs its body as a closure).
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}
