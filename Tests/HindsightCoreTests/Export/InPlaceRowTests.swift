import PropertyBased
import Testing
@testable import HindsightCore

/// The in-place paths of the text fold: a merge that shows both states, and a JSON Lines row written
/// straight into a batch, against the copying paths they replace.
@Suite struct InPlaceRowTests {
    @Test func mergeShowsTheStateBeforeAndAfterInPlace() {
        var arena = TextArena()
        arena.addSlot()
        arena.addSlot()
        let seen: [(String?, String)] = [#"{"a":1}"#, #"{"a":null,"b":[1]}"#, #"{"c":"x"}"#].map { patch in
            Array(patch.utf8).withUnsafeBytes { p in
                arena.merge(0, p) { before, after in
                    (before.map { String(decoding: $0, as: UTF8.self) }, String(decoding: after, as: UTF8.self))
                }
            }
        }
        #expect(seen.map(\.0) == [nil, #"{"a":1}"#, #"{"b":[1]}"#])
        #expect(seen.map(\.1) == [#"{"a":1}"#, #"{"b":[1]}"#, #"{"b":[1],"c":"x"}"#])
        // The slot keeps the last state; the other slot is untouched.
        #expect(arena.withText(0) { $0.map { String(decoding: $0, as: UTF8.self) } } == #"{"b":[1],"c":"x"}"#)
        #expect(arena.withText(1) { $0 == nil })
    }

    /// Texts set in place, moved, removed and compacted read back as a dictionary of the same
    /// settings holds them; a copy keeps its texts while the original changes.
    @Test func arenaTextsMatchAReference() async {
        await propertyCheck(count: 40, input: Gen.int(in: 1...1_000_000)) { seed in
            var rng = SplitMix(seed: UInt64(seed))
            var arena = TextArena(compactAbove: Int(rng.next() % 4096))
            var reference: [[UInt8]?] = []
            var copy: (TextArena, [[UInt8]?])?
            for step in 0..<3000 {
                if reference.isEmpty || rng.next() % 20 == 0 {
                    arena.addSlot()
                    reference.append(nil)
                }
                let s = Int(rng.next() % UInt64(reference.count))
                let old = reference[s]?.count ?? 0
                // Mostly a little longer or shorter than before (in place), now and then much longer.
                let n: Int
                switch rng.next() % 10 {
                case 0: n = Int(rng.next() % 600)
                case 1: n = 0
                default: n = max(0, old + Int(rng.next() % 9) - 4)
                }
                let text: [UInt8]? = rng.next() % 15 == 0 ? nil : (0..<n).map { _ in UInt8(33 + rng.next() % 90) }
                if let text { text.withUnsafeBytes { arena.set(s, $0) } } else { arena.set(s, nil) }
                reference[s] = text
                if step == 1500 { copy = (arena, reference) }
            }
            /// The slots whose text differs from the reference's (a short list to show).
            func wrong(_ a: TextArena, _ reference: [[UInt8]?]) -> [Int] {
                (0..<reference.count).filter { s in a.withText(s) { $0.map { Array($0) } } != reference[s] }
            }
            #expect(wrong(arena, reference).isEmpty, "slots \(wrong(arena, reference).prefix(8)) differ")
            #expect((0..<reference.count).allSatisfy { arena.isPresent($0) == (reference[$0] != nil) })
            #expect((0..<reference.count).allSatisfy { arena.byteCount($0) == (reference[$0]?.count ?? 0) })
            if let (a, r) = copy { #expect(wrong(a, r).isEmpty, "the copy's slots \(wrong(a, r).prefix(8)) differ") }
        }
    }

    @Test func aJSONLRowWrittenInPlaceMatchesTheCopiedOne() {
        let canonical = Array(#"{"seq":1,"summary":"created"}"#.utf8)
        var copied = RenderedBatch(rows: 2, wantsLines: true)
        copied.add(canonical: canonical, row: nil, lines: RowLine(format: .jsonl, columns: AuditColumns()), wantsLines: true)
        copied.add(canonical: canonical, row: nil, lines: RowLine(format: .jsonl, columns: AuditColumns()), wantsLines: true)
        var inPlace = RenderedBatch(rows: 2, wantsLines: true)
        inPlace.addJSONL { $0.append(contentsOf: canonical) }
        inPlace.addJSONL { $0.append(contentsOf: canonical) }
        #expect(inPlace.text == copied.text)
        #expect(inPlace.ends == copied.ends)
        #expect(inPlace.contents == copied.contents)
        #expect(String(decoding: inPlace.text[..<inPlace.ends[0]], as: UTF8.self) == #"{"seq":1,"summary":"created","rowHash":""#)
    }
}
