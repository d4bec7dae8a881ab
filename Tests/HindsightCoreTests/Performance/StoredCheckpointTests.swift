import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

@Suite("Stored checkpoints: equal to a full replay, never trusted over the records")
struct StoredCheckpointTests {
    static let bank = """
        {"types": {"DEPOSIT": [{"op": "increment", "path": "/balance", "from": "/amount"}],
                   "WITHDRAW": [{"op": "increment", "path": "/balance", "from": "/amount", "negate": true}],
                   "CLOSED": [{"op": "delete"}]}}
        """

    /// A log of `count` random events written in `sessions` writer sessions, checkpointed every `interval` records.
    func makeLog(_ dir: TempDir, count: Int, keys: Int, seed: UInt64, segmentBytes: Int, interval: Int64, sessions: Int = 1,
                 rules: String? = nil, flushBytes: Int = LogWriter.defaultFlushBytes) throws -> String {
        let path = dir.file("log")
        let drafts = Drafts.random(count: count, keys: keys, seed: seed, payloadBytes: 30)
        let step = (count + sessions - 1) / sessions
        for start in stride(from: 0, to: count, by: step) {
            let writer = try LogWriter(directory: path, create: true, segmentBytes: segmentBytes, clock: StepClock().clock, checkpointInterval: interval,
                                       flushBytes: flushBytes)
            if let rules { try writer.storeRules(try JSONParser.parse(rules)) }
            _ = try writer.append(Array(drafts[start..<min(count, start + step)]))
            #expect(writer.finishCheckpoints() == nil)
            writer.close()
        }
        return path
    }

    func rules(_ text: String?) throws -> Rules {
        guard let text else { return .mergeAll }
        return try Rules(json: JSONParser.parse(text))
    }

    @Test func checkpointedStateEqualsFullReplay() async {
        await propertyCheck(count: 16, input: Gen.int(in: 1...1_000_000), Gen.int(in: 1...40)) { seed, interval in
            for ruleText in [nil, StoredCheckpointTests.bank] {
                let dir = TempDir()
                do {
                    // Small flushes hand the builder each record's key slot; one flush at the end may not.
                    let path = try makeLog(dir, count: 240, keys: 9, seed: UInt64(seed), segmentBytes: 2500 + seed % 9000,
                                           interval: Int64(interval), sessions: 1 + seed % 3, rules: ruleText,
                                           flushBytes: [150, 4000, LogWriter.defaultFlushBytes][seed % 3])
                    let log = try LogReader(directory: path)
                    let r = try rules(ruleText)
                    let stored = StoredCheckpoints(log: log, rules: r)
                    #expect(stored != nil)
                    #expect((stored?.position(atOrBefore: log.count) ?? 0) == log.count, "the end is checkpointed")
                    let reference = Replayer(log: try LogReader(directory: path), rules: r)
                    var rng = SplitMix(seed: UInt64(seed))
                    for _ in 0..<10 {
                        let o = Int64.random(in: -1..<240, using: &rng)
                        let fresh = Replayer(log: log, rules: r)
                        #expect(try fresh.states(at: o) == reference.fullReplay(through: o), "offset \(o)")
                    }
                    // Every stored position's state is the replay's.
                    if let stored {
                        for p in stride(from: Int64(0), through: log.count, by: 17) {
                            guard let (at, map) = stored.states(atOrBefore: p) else { continue }
                            #expect(at == stored.position(atOrBefore: p))
                            #expect(map == (try reference.fullReplay(through: at - 1)), "stored state at \(at)")
                        }
                    }
                } catch {
                    Issue.record("\(error)")
                }
            }
        }
    }

    @Test func checkpointsAreOnlyUsedWithTheirRules() throws {
        let dir = TempDir()
        let path = try makeLog(dir, count: 200, keys: 5, seed: 3, segmentBytes: 4000, interval: 16)
        let log = try LogReader(directory: path)
        #expect(StoredCheckpoints(log: log, rules: .mergeAll)?.position(atOrBefore: 200) == 200)
        let other = try rules(StoredCheckpointTests.bank)
        #expect(StoredCheckpoints(log: log, rules: other)?.position(atOrBefore: 200) == nil)
        #expect(try Replayer(log: log, rules: other).states(at: 150) == Replayer(log: log, rules: other).fullReplay(through: 150))
        // Storing other rules rebuilds the checkpoints for them.
        let writer = try LogWriter.make(path)
        try writer.storeRules(other.source)
        writer.close()
        let reopened = try LogReader(directory: path)
        #expect(StoredCheckpoints(log: reopened, rules: other)?.position(atOrBefore: 200) == 200)
        #expect(try Replayer(log: reopened, rules: other).states(at: 199) == Replayer(log: reopened, rules: other).fullReplay(through: 199))
    }

    @Test func damagedOrForeignCheckpointsAreIgnoredAndRebuilt() throws {
        let dir = TempDir()
        let path = try makeLog(dir, count: 300, keys: 7, seed: 11, segmentBytes: 6000, interval: 10)
        let names = try FileSystem.list(path).filter { $0.hasSuffix(".checkpoints") }.sorted()
        #expect(names.count >= 3)
        let reference = try Replayer(log: LogReader(directory: path), rules: .mergeAll).fullReplay(through: 299)
        let originals = try names.map { try FileSystem.readAll(path + "/" + $0) }
        // Flip a byte in the middle of every file, cut one short, and put another log's file in place of one.
        for (i, name) in names.enumerated() {
            var bytes = originals[i]
            bytes[bytes.count / 2] ^= 0x40
            try FileSystem.writeAtomically(path + "/" + name, bytes)
        }
        try FileSystem.writeAtomically(path + "/" + names[0], Array(originals[0].prefix(originals[0].count - 7)))
        let otherDir = TempDir()
        let other = try makeLog(otherDir, count: 300, keys: 7, seed: 12, segmentBytes: 6000, interval: 10)
        let otherNames = try FileSystem.list(other).filter { $0.hasSuffix(".checkpoints") }.sorted()
        if otherNames.count > 1, names.count > 1 {
            try FileSystem.writeAtomically(path + "/" + names[1], try FileSystem.readAll(other + "/" + otherNames[1]))
        }
        let log = try LogReader(directory: path)
        for o in stride(from: Int64(0), to: 300, by: 23) {
            let expected = try Replayer(log: log, rules: .mergeAll).fullReplay(through: o)
            #expect(try Replayer(log: log, rules: .mergeAll).states(at: o) == expected)
            let texts = try #require(try Replayer(log: log, rules: .mergeAll).stateTexts(at: o))
            #expect(texts.map(\.key) == expected.keys.sorted(), "at \(o)")
            for (key, text) in texts { #expect(try JSONParser.parse(text) == expected[key], "\(key) at \(o)") }
        }
        #expect(try Replayer(log: log, rules: .mergeAll).states(at: 299) == reference)
        // The next writer rebuilds them: every block of every file is trusted again.
        let writer = try LogWriter.make(path)
        #expect(writer.finishCheckpoints() == nil)
        writer.close()
        let repaired = try LogReader(directory: path)
        for name in names {
            let bytes = try FileSystem.readAll(path + "/" + name)
            let base = Int64(name.prefix(20)) ?? -1
            let chain = bytes.withUnsafeBytes { raw in
                CheckpointChain.read(raw, base: base, logCount: repaired.count, rulesDigest: CheckpointFile.rulesDigest(.mergeAll)) { p in
                    try? repaired.withRecord(at: p - 1) { Array($0.hash) }
                }
            }
            #expect(chain.validLength == bytes.count, "\(name)")
            #expect(!chain.blocks.isEmpty)
        }
        #expect(StoredCheckpoints(log: repaired, rules: .mergeAll)?.position(atOrBefore: 300) == 300)
        #expect(try Replayer(log: repaired, rules: .mergeAll).states(at: 299) == reference)
    }

    /// A damaged block is found when its entries are first used (its CRC is checked then, on another
    /// thread or on this one): the position is dropped and an earlier one is read, with the entries
    /// seen so far forgotten; the states read are a full replay's.
    @Test(arguments: [0, Int.max])
    func aDamagedBlockIsFoundWhenFirstReadAndAnEarlierPositionIsUsed(overlapBytes: Int) throws {
        let dir = TempDir()
        let path = try makeLog(dir, count: 300, keys: 7, seed: 21, segmentBytes: 1_000_000, interval: 10)
        let name = try #require(try FileSystem.list(path).first { $0.hasSuffix(".checkpoints") })
        var bytes = try FileSystem.readAll(path + "/" + name)
        let log = try LogReader(directory: path)
        // The block stored at 150: damage a byte of its entries (its header stays good).
        let chain = bytes.withUnsafeBytes { raw in
            CheckpointChain.read(raw, base: 0, logCount: log.count, rulesDigest: CheckpointFile.rulesDigest(.mergeAll)) { p in
                try? log.withRecord(at: p - 1) { Array($0.hash) }
            }
        }
        let k = try #require(chain.blockIndex(at: 150))
        let block = chain.blocks[k]
        bytes[block.offset + block.header.length - 10] ^= 0x01
        try FileSystem.writeAtomically(path + "/" + name, bytes)
        let damaged = try LogReader(directory: path)
        let stored = try #require(StoredCheckpoints(log: damaged, rules: .mergeAll, overlapBytes: overlapBytes))
        #expect(stored.position(atOrBefore: 155) == 150, "headers alone are trusted until the block is read")
        var resets = 0
        var seen: Set<[UInt8]> = []
        var states: [String: JSON] = [:]
        let found = stored.forEachEntryNewestFirst(atOrBefore: 155, reset: {
            resets += 1
            seen = []
            states = [:]
        }) { key, state in
            guard seen.insert(Array(key)).inserted, let state else { return }
            states[String(decoding: key, as: UTF8.self)] = try? JSONParser.parse(state)
        }
        #expect(found == 140)
        #expect(resets == 1)
        let expected = try Replayer(log: damaged, rules: .mergeAll).fullReplay(through: 139)
        #expect(states.count == expected.count)
        for (key, value) in expected { #expect(states[key] == value, "\(key)") }
        // The cut is remembered: positions from the damaged block on are gone.
        #expect(stored.position(atOrBefore: 299) == 140)
        #expect(stored.states(atOrBefore: 299)?.states == expected)
        // Before the damage, blocks read as they are.
        #expect(stored.states(atOrBefore: 100)?.position == 100)
        #expect(try Replayer(log: damaged, rules: .mergeAll).states(at: 200) == Replayer(log: damaged, rules: .mergeAll).fullReplay(through: 200))
    }

    @Test func missingCheckpointsAreBuiltByTheNextWriter() throws {
        let dir = TempDir()
        let path = try makeLog(dir, count: 120, keys: 4, seed: 5, segmentBytes: 3000, interval: 8)
        for name in try FileSystem.list(path) where name.hasSuffix(".checkpoints") { FileSystem.remove(path + "/" + name) }
        let log = try LogReader(directory: path)
        #expect(StoredCheckpoints(log: log, rules: .mergeAll) == nil)
        #expect(try Replayer(log: log, rules: .mergeAll).states(at: 100) == Replayer(log: log, rules: .mergeAll).fullReplay(through: 100))
        try LogWriter.make(path).close()
        let rebuilt = try LogReader(directory: path)
        #expect(StoredCheckpoints(log: rebuilt, rules: .mergeAll)?.position(atOrBefore: 120) == 120)
        #expect(try Replayer(log: rebuilt, rules: .mergeAll).states(at: 100) == Replayer(log: rebuilt, rules: .mergeAll).fullReplay(through: 100))
    }

    @Test func unsortedKeyIndexIsRejectedAndKeyLookupsStillMatchAScan() throws {
        let dir = TempDir()
        let path = dir.file("log")
        let writer = try LogWriter.make(path, segmentBytes: 4000)
        _ = try writer.append(Drafts.random(count: 200, keys: 6, seed: 9, payloadBytes: 100))
        writer.close()
        let keys = path + "/00000000000000000000.keys"
        var bytes = try FileSystem.readAll(keys)
        // Swap the first two entries: the header still looks right, the order does not.
        let first = Array(bytes[16..<28]), second = Array(bytes[28..<40])
        bytes.replaceSubrange(16..<28, with: second)
        bytes.replaceSubrange(28..<40, with: first)
        try FileSystem.writeAtomically(keys, bytes)
        let reader = try LogReader(directory: path)
        let all = try reader.records(0..<reader.count)
        for k in 0..<6 {
            #expect(try reader.offsets(forKey: "k\(k)") == all.filter { $0.key == "k\(k)" }.map(\.offset))
        }
    }
}
