import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

@Suite("Replay: stored checkpoint blocks in key order, merged instead of looked up")
struct SortedCheckpointTests {
    /// A log of random merges and deletions over tricky keys (``TextStatesTests/keys``) and many plain
    /// ones, with stored checkpoints every `interval` records across several segments.
    func makeLog(_ dir: TempDir, count: Int, seed: UInt64, interval: Int64 = 7, segmentBytes: Int = 6000, plainKeys: Int = 40) throws -> LogReader {
        var rng = SplitMix(seed: seed)
        let keys = TextStatesTests.keys + (0..<plainKeys).map { "acct-\($0 * 7919 % 1000)" }
        var drafts: [EventDraft] = []
        for i in 0..<count {
            let key = keys[Int.random(in: 0..<keys.count, using: &rng)]
            let payload: String
            switch Int.random(in: 0..<12, using: &rng) {
            case 0: payload = "null"
            case 1: payload = #"{"amount":null,"tags":["t\#(i % 3)"]}"#
            case 2: payload = #"{"owner":{"name":"n\#(i % 5)","note":null}}"#
            case 3: payload = "[\(i)]"
            default: payload = #"{"amount":\#(Int.random(in: -50...500, using: &rng)),"seen":\#(i)}"#
            }
            drafts.append(EventDraft(id: "e\(i)", key: key, type: "T", eventTime: Timestamp(microseconds: Int64(i) * 1000), payload: Array(payload.utf8)))
        }
        let writer = try LogWriter(directory: dir.file("log"), segmentBytes: segmentBytes, checkpointInterval: interval)
        _ = try writer.append(drafts)
        writer.close()
        return try LogReader(directory: dir.file("log"))
    }

    /// Each block of each checkpoint file of `log`: its bytes and header.
    func blocks(_ log: LogReader) throws -> [(path: String, offset: Int, bytes: [UInt8], header: CheckpointFile.Header)] {
        var out: [(String, Int, [UInt8], CheckpointFile.Header)] = []
        for segment in log.segments {
            let path = CheckpointFile.path(directory: log.directory, base: segment.base)
            guard FileSystem.exists(path) else { continue }
            let file = try FileSystem.readAll(path)
            var p = 0
            while p < file.count {
                let header = try #require(file.withUnsafeBytes { CheckpointFile.header(UnsafeRawBufferPointer(rebasing: $0[p...])) })
                out.append((path, p, Array(file[p..<(p + header.length)]), header))
                p += header.length
            }
        }
        return out
    }

    func entries(_ block: [UInt8], _ header: CheckpointFile.Header) -> [(key: [UInt8], state: [UInt8]?)] {
        var out: [([UInt8], [UInt8]?)] = []
        block.withUnsafeBytes { raw in
            _ = CheckpointFile.forEachEntry(raw, header) { key, state in out.append((Array(key), state.map { Array($0) })) }
        }
        return out
    }

    /// Rewrites every checkpoint block of `log` with its entries in another order (CRC recomputed), and
    /// marked sorted or not: what an older writer, or a faulty one, would have left.
    func reorderBlocks(_ log: LogReader, markSorted: Bool, seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        var files: [String: [UInt8]] = [:]
        for (path, _, bytes, header) in try blocks(log) {
            var list = entries(bytes, header)
            list.reverse()
            if list.count > 2 { list.swapAt(0, Int.random(in: 1..<list.count, using: &rng)) }
            var block: [UInt8] = []
            CheckpointFile.encode(full: header.full, sorted: markSorted, position: header.position, previous: header.previous,
                                  recordHash: header.recordHash, rulesDigest: header.rulesDigest,
                                  entries: list.map { (String(decoding: $0.key, as: UTF8.self), $0.state) }, into: &block)
            files[path, default: []].append(contentsOf: block)
        }
        for (path, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
    }

    /// Every present record's key and state (parsed) at `offset`, as the text path gives them, in order.
    func textStates(_ log: LogReader, at offset: Int64, patchTail: Int? = nil) throws -> [(String, JSON)] {
        let replayer = Replayer(log: log, rules: .mergeAll)
        if let patchTail { replayer.patchTail = patchTail }
        var out: [(String, JSON)] = []
        let handled = try replayer.forEachStateText(at: offset) { key, state in
            out.append((String(decoding: key, as: UTF8.self), try JSONParser.parse(state)))
        }
        #expect(handled)
        return out
    }

    func expectMatchesReplay(_ log: LogReader, at offset: Int64, patchTail: Int? = nil, _ note: String) throws {
        let expected = try Replayer(log: log, rules: .mergeAll).fullReplay(through: offset)
        let got = try textStates(log, at: offset, patchTail: patchTail)
        let order = expected.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(got.map(\.0) == order, "key order at \(offset), \(note)")
        #expect(got.count == expected.count, "\(note)")
        for (key, value) in got { #expect(expected[key] == value, "\(key) at \(offset), \(note)") }
    }

    /// Few keys per block against many in all (blocks ordered by rank), and many of few (by marks).
    @Test(arguments: [(3, 500), (7, 40)] as [(Int64, Int)])
    func writersStoreEveryBlockInStrictKeyOrder(interval: Int64, plainKeys: Int) throws {
        let dir = TempDir()
        let log = try makeLog(dir, count: 600, seed: 5, interval: interval, plainKeys: plainKeys)
        let all = try blocks(log)
        #expect(all.count > 20 && all.contains { $0.header.full } && all.contains { !$0.header.full })
        for (_, _, bytes, header) in all {
            #expect(header.sorted)
            let keys = entries(bytes, header).map(\.key)
            #expect(keys.count == header.entries)
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) }, "block at \(header.position)")
        }
    }

    @Test func keyOrderIsTheOrderOfTheBytes() async {
        // Bytes near the 8- and 16-byte prefix boundaries, zero bytes and high bytes.
        let gen = Gen.int(in: 0...3).array(of: 0...20)
        await propertyCheck(count: 400, input: gen, gen) { a, b in
            let alphabet: [UInt8] = [0, 1, 0x61, 0xFF]
            let x = a.map { alphabet[$0] }, y = b.map { alphabet[$0] }
            x.withUnsafeBytes { xa in
                y.withUnsafeBytes { yb in
                    let c = KeyOrder.compare(KeyOrder.Prefix(xa), xa, KeyOrder.Prefix(yb), yb)
                    let expected = x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
                    #expect(c.signum() == expected, "\(x) vs \(y)")
                    #expect(KeyOrder.less(KeyOrder.Prefix(xa), xa, KeyOrder.Prefix(yb), yb) == (expected < 0))
                }
            }
        }
    }

    @Test func mergedBlocksEqualTheNewestEntryOfEachKey() async {
        // Random sorted blocks (newest first) against a dictionary filled oldest first.
        await propertyCheck(count: 60, input: Gen.int(in: 1...1_000_000)) { seed in
            var rng = SplitMix(seed: UInt64(seed))
            let keys = TextStatesTests.keys.map { Array($0.utf8) }
            var blocks: [[UInt8]] = []
            var reference: [[UInt8]: [UInt8]?] = [:]
            let count = Int.random(in: 1...6, using: &rng)
            var oldestFirst: [[([UInt8], [UInt8]?)]] = []
            for b in 0..<count {
                let chosen = keys.filter { _ in Bool.random(using: &rng) }.sorted { $0.lexicographicallyPrecedes($1) }
                oldestFirst.append(chosen.map { ($0, Int.random(in: 0..<4, using: &rng) == 0 ? nil : Array("\(b)".utf8)) })
            }
            for list in oldestFirst { for (k, v) in list { reference[k] = .some(v) } }
            for (b, list) in oldestFirst.enumerated().reversed() {
                var block: [UInt8] = []
                CheckpointFile.encode(full: b == 0, sorted: true, position: Int64(b), previous: 0, recordHash: [], rulesDigest: [UInt8](repeating: 0, count: 32),
                                      entries: list.map { (String(decoding: $0.0, as: UTF8.self), $0.1) }, into: &block)
                blocks.append(block)
            }
            let merged: [([UInt8], [UInt8]?)]? = withBuffers(blocks) { buffers in
                let input = buffers.map { ($0, CheckpointFile.header($0)!) }
                return (try? SortedBlocks.merge(input))?.map { (Array($0.key), $0.state.map { Array($0) }) }
            }
            let got = merged ?? []
            let expected = reference.keys.sorted { $0.lexicographicallyPrecedes($1) }
            #expect(got.map(\.0) == expected)
            for (k, v) in got { #expect(reference[k] == .some(v)) }
        }
    }

    @Test func blocksOutOfOrderOrCutShortAreRefused() throws {
        var unsorted: [UInt8] = []
        CheckpointFile.encode(full: true, sorted: true, position: 0, previous: 0, recordHash: [], rulesDigest: [UInt8](repeating: 0, count: 32),
                              entries: [("b", Array("1".utf8)), ("a", nil)], into: &unsorted)
        var repeated: [UInt8] = []
        CheckpointFile.encode(full: true, sorted: true, position: 0, previous: 0, recordHash: [], rulesDigest: [UInt8](repeating: 0, count: 32),
                              entries: [("a", Array("1".utf8)), ("a", nil)], into: &repeated)
        var cut: [UInt8] = []
        CheckpointFile.encode(full: true, sorted: true, position: 0, previous: 0, recordHash: [], rulesDigest: [UInt8](repeating: 0, count: 32),
                              entries: [("a", Array("12345".utf8)), ("b", Array("1".utf8))], into: &cut)
        // The second entry's state length now runs past the block.
        cut[CheckpointFile.headerSize + 4 + 1 + 4 + 5 + 4 + 1] = 0x7F
        for (block, expected) in [(unsorted, SortedBlocks.Failure.order), (repeated, .order), (cut, .framing)] {
            let failure: SortedBlocks.Failure? = withBuffers([block]) { buffers -> SortedBlocks.Failure? in
                do {
                    _ = try SortedBlocks.merge([(buffers[0], CheckpointFile.header(buffers[0])!)])
                    return nil
                } catch {
                    return error as? SortedBlocks.Failure
                }
            }
            #expect(failure == expected)
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func statesFromSortedBlocksMatchAFullReplay(seed: UInt64) throws {
        let dir = TempDir()
        let log = try makeLog(dir, count: 500, seed: seed, interval: Int64(3 + seed * 4))
        #expect(log.segments.count > 2)
        var rng = SplitMix(seed: seed)
        let offsets: [Int64] = [-1, 0, 1, 6, 7, 8, 499] + (0..<12).map { _ in Int64.random(in: 0..<500, using: &rng) }
        for offset in offsets {
            try expectMatchesReplay(log, at: offset, "sorted blocks, data merged as written")
            try expectMatchesReplay(log, at: offset, patchTail: 0, "sorted blocks, data folded")
        }
    }

    @Test(arguments: [false, true])
    func blocksNotInKeyOrderAreReadAsOlderFilesAre(markSorted: Bool) throws {
        // Unsorted blocks (an older writer's) and blocks marked sorted that are not (a faulty writer's)
        // give the same states.
        let dir = TempDir()
        let log = try makeLog(dir, count: 400, seed: 8)
        try reorderBlocks(log, markSorted: markSorted, seed: 8)
        let reopened = try LogReader(directory: log.directory)
        #expect(try blocks(reopened).allSatisfy { $0.header.sorted == markSorted })
        let stored = try #require(StoredCheckpoints(log: reopened, rules: .mergeAll))
        #expect(stored.position(atOrBefore: 400) == 400, "the reordered blocks are still trusted")
        for offset in [-1, 0, 9, 100, 203, 399] as [Int64] {
            try expectMatchesReplay(reopened, at: offset, "blocks reordered, marked sorted: \(markSorted)")
        }
    }

    @Test func aDamagedSortedBlockMeansAnEarlierCheckpoint() throws {
        let dir = TempDir()
        let log = try makeLog(dir, count: 300, seed: 12)
        // Flip a byte in the middle of the last block of each file: its CRC fails.
        var last: [String: (offset: Int, count: Int)] = [:]
        for (path, offset, bytes, _) in try blocks(log) { last[path] = (offset, bytes.count) }
        var files: [String: [UInt8]] = [:]
        for (path, block) in last {
            files[path] = try FileSystem.readAll(path)
            files[path]?[block.offset + block.count / 2] ^= 0x20
        }
        for (path, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
        let reopened = try LogReader(directory: log.directory)
        for offset in [50, 150, 299] as [Int64] {
            try expectMatchesReplay(reopened, at: offset, "damaged blocks")
        }
    }
}

/// Calls `body` with each byte array's bytes (all valid inside the call).
private func withBuffers<R>(_ arrays: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
    func go(_ i: Int, _ acc: [UnsafeRawBufferPointer]) -> R {
        guard i < arrays.count else { return body(acc) }
        return arrays[i].withUnsafeBytes { go(i + 1, acc + [$0]) }
    }
    return go(0, [])
}
