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
