import Foundation
import Testing
@testable import HindsightCore

@Suite("Replay: every record's state as text, borrowed from stored checkpoints")
struct TextStatesTests {
    /// Keys that the sort must order by their bytes: shared 8- and 16-byte prefixes, keys that differ
    /// only in length, longer than 16 bytes, non-ASCII, and one that needs escaping in JSON.
    static let keys = ["k", "k0", "k00", "k1", "acct-1234", "acct-12345", "acct-123456789012", "acct-1234567890123",
                       "abcdefghijklmnop", "abcdefghijklmnopq", "abcdefghijklmnopa", "a-long-key-well-past-sixteen-bytes-1",
                       "a-long-key-well-past-sixteen-bytes-2", "a-long-key-well-past-sixteen-bytes", "Z", "é", "ü-key", "q\"uote\\"]

    /// A log of random merges and deletions over ``keys``, with stored checkpoints every few records
    /// across several segments (full and delta blocks).
    func makeLog(_ dir: TempDir, count: Int, seed: UInt64) throws -> LogReader {
        var rng = SplitMix(seed: seed)
        var drafts: [EventDraft] = []
        for i in 0..<count {
            let key = Self.keys[Int.random(in: 0..<Self.keys.count, using: &rng)]
            let payload: String
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: payload = "null"  // the record is deleted
            case 1: payload = #"{"amount":null,"tags":["t\#(i % 3)"]}"#
            case 2: payload = #"{"owner":{"name":"n\#(i % 5)","note":"\u00e9"}}"#
            default: payload = #"{"amount":\#(Int.random(in: -50...500, using: &rng)),"seen":\#(i)}"#
            }
            drafts.append(EventDraft(id: "e\(i)", key: key, type: "T", eventTime: Timestamp(microseconds: Int64(i) * 1000), payload: Array(payload.utf8)))
        }
        let writer = try LogWriter(directory: dir.file("log"), segmentBytes: 4000, checkpointInterval: 5)
        _ = try writer.append(drafts)
        writer.close()
        return try LogReader(directory: dir.file("log"))
    }

    /// The reference: the trees of a full replay without checkpoints.
    func reference(_ log: LogReader, at offset: Int64) throws -> StateMap {
        try Replayer(log: log, rules: .mergeAll).fullReplay(through: offset)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func textsMatchAFullReplayInByteOrder(seed: UInt64) throws {
        let dir = TempDir()
        let log = try makeLog(dir, count: 300, seed: seed)
        #expect(log.segments.count > 2)
        for offset in [-1, 0, 4, 5, 6, 77, 150, 151, 299] as [Int64] {
            let expected = try reference(log, at: offset)
            var keys: [[UInt8]] = []
            var states: [String: JSON] = [:]
            let handled = try Replayer(log: log, rules: .mergeAll).forEachStateText(at: offset) { key, state in
                keys.append(Array(key))
                states[String(decoding: key, as: UTF8.self)] = try JSONParser.parse(state)
            }
            #expect(handled)
            let sortedKeys = expected.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
            #expect(keys == sortedKeys, "order at \(offset)")
            #expect(states.count == expected.count)
            for (key, value) in expected { #expect(states[key] == value, "\(key) at \(offset)") }
        }
    }

    @Test func theDocumentIsTheMapAsOneObjectWhateverTheChunkSize() throws {
        let dir = TempDir()
        let log = try makeLog(dir, count: 200, seed: 9)
        for offset in [3, 120, 199] as [Int64] {
            let expected = try reference(log, at: offset)
            var o = JSONObject(minimumCapacity: expected.count)
            for k in expected.keys.sorted() { o[k] = expected[k] }
            for chunk in [1, 7, 1 << 20] {
                var bytes: [UInt8] = []
                var pieces = 0
                let handled = try Replayer(log: log, rules: .mergeAll).writeStatesJSON(at: offset, chunk: chunk) { piece in
                    bytes.append(contentsOf: piece)
                    pieces += 1
                }
                #expect(handled)
                #expect(try JSONParser.parse(bytes) == .object(o), "at \(offset), chunk \(chunk)")
                // Keys come out in the order of the tree path's output.
                let keyOrder = try #require(try JSONParser.parse(bytes).objectValue).keys.map { $0 }
                #expect(keyOrder == expected.keys.sorted())
                if chunk == 1 { #expect(pieces > expected.count) } else if chunk == 1 << 20 { #expect(pieces == 1) }
            }
        }
    }

    @Test func aDocumentOfManyRecordsIsWrittenInTwoHalvesThatMatchTheReference() throws {
        // Over 8192 records: the second half is written on another thread into a buffer reserved from
        // `estimatedBytes` (which must not be less than what is written when no key needs escapes).
        let dir = TempDir()
        var rng = SplitMix(seed: 11)
        var drafts: [EventDraft] = []
        for i in 0..<16_000 {
            let key = "k\(Int.random(in: 0..<12_000, using: &rng))"
            let payload = i % 13 == 0 ? "null" : #"{"n":\#(i),"tag":"t\#(i % 7)","nested":{"v":\#(i % 5)}}"#
            drafts.append(EventDraft(id: "e\(i)", key: key, type: "T", eventTime: Timestamp(microseconds: Int64(i)), payload: Array(payload.utf8)))
        }
        let writer = try LogWriter(directory: dir.file("log"), segmentBytes: 400_000, checkpointInterval: 2_000)
        _ = try writer.append(drafts)
        writer.close()
        let log = try LogReader(directory: dir.file("log"))
        for offset in [13_000, 14_500, 15_999] as [Int64] {
            let expected = try reference(log, at: offset)
            #expect(try #require(try Replayer(log: log, rules: .mergeAll).textStates(at: offset)).entryCount >= 8192)
            var bytes: [UInt8] = []
            #expect(try Replayer(log: log, rules: .mergeAll).writeStatesJSON(at: offset, chunk: 1 << 16) { bytes.append(contentsOf: $0) })
            var o = JSONObject(minimumCapacity: expected.count)
            for k in expected.keys.sorted() { o[k] = expected[k] }
            #expect(try JSONParser.parse(bytes) == .object(o), "at \(offset)")
        }
    }

    @Test func theEstimateCoversWhatIsWritten() throws {
        let dir = TempDir()
        let log = try makeLog(dir, count: 300, seed: 4)
        for offset in [0, 6, 151, 299] as [Int64] {
            var written = 0
            #expect(try Replayer(log: log, rules: .mergeAll).writeStatesJSON(at: offset) { written += $0.count })
            let entries = try #require(try Replayer(log: log, rules: .mergeAll).textStates(at: offset))
            // Only one key needs escapes (a quote and a backslash: 2 bytes more).
            #expect(entries.estimatedBytes(from: entries.start, to: entries.end) + 2 >= written, "at \(offset)")
        }
    }

    @Test func otherRulesAreLeftToTheTrees() throws {
        let dir = TempDir()
        let log = try makeLog(dir, count: 20, seed: 4)
        let rules = try Rules.parse(Array(bankRules.utf8), name: "rules.json")
        var calls = 0
        #expect(try !Replayer(log: log, rules: rules).forEachStateText(at: 10) { _, _ in calls += 1 })
        #expect(try !Replayer(log: log, rules: rules).writeStatesJSON(at: 10) { _ in calls += 1 })
        #expect(calls == 0)
    }

    @Test func aMergedBorrowedStateIsCopiedNotChangedInPlace() throws {
        // Reading the same offsets twice from one replayer gives the same texts: a merge into a state
        // borrowed from the mapped checkpoint file must copy it first.
        let dir = TempDir()
        let log = try makeLog(dir, count: 300, seed: 11)
        let replayer = Replayer(log: log, rules: .mergeAll)
        let first = try #require(try replayer.stateTexts(at: 250))
        _ = try replayer.stateTexts(at: 299)
        let again = try #require(try replayer.stateTexts(at: 250))
        #expect(first.map(\.key) == again.map(\.key))
        #expect(first.map(\.state) == again.map(\.state))
        #expect(try first.map { try JSONParser.parse($0.state) } == first.map { try reference(log, at: 250)[$0.key] ?? .null })
    }
}
