import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

/// Point reads (a record, a key's versions, a time lookup) go through `pread` windows and the sealed
/// key and id indexes are read a block at a time; scans go through the mapping. Both ways must agree.
@Suite("Log: point reads and sealed index blocks")
struct PointReadTests {
    @Test func sealedIndexLookupEqualsTheInMemoryIndex() async throws {
        // Pools of 1-40 hashes over up to 3000 entries: runs of one hash span many 256-entry blocks.
        await propertyCheck(count: 60, input: Gen.int(in: 1...1_000_000), Gen.int(in: 0...3000), Gen.int(in: 0...40)) { seed, count, pool in
            var rng = SplitMix(seed: UInt64(seed))
            let pairs = ImportPathTests.entries(&rng, count: count, pool: pool)
            let sorted = HashIndex(hashes: pairs.map(\.0), offsets: pairs.map(\.1)).sortedCopy()
            let dir = TempDir()
            let path = dir.file("index.keys")
            #expect(FileManager.default.createFile(atPath: path, contents: Data(sorted.encode())))
            guard let sealed = SealedHashIndex(path: path, count: count) else {
                Issue.record("a sorted index with its CRC was not accepted (count \(count))")
                return
            }
            var probes = Set(pairs.map(\.0))
            for h in pairs.prefix(20).map(\.0) {
                probes.insert(h &+ 1)
                probes.insert(h &- 1)
            }
            probes.formUnion([0, UInt64.max, rng.next()])
            for h in probes {
                let got = try? sealed.lookup(h)
                #expect(got == sorted.lookup(h), "hash \(h)")
            }
        }
    }

    @Test func sealedIndexRefusesAWrongCountOrADamagedEntry() throws {
        let sorted = HashIndex(hashes: (0..<600).map { UInt64($0 % 7) }, offsets: (0..<600).map { UInt32($0) }).sortedCopy()
        let dir = TempDir()
        let path = dir.file("index.keys")
        var bytes = sorted.encode()
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        #expect(SealedHashIndex(path: path, count: 600) != nil)
        #expect(SealedHashIndex(path: path, count: 599) == nil)
        #expect(SealedHashIndex(path: dir.file("missing.keys"), count: 600) == nil)
        bytes[HashIndex.headerSize + 300 * HashIndex.entrySize] ^= 0x10
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        #expect(SealedHashIndex(path: path, count: 600) == nil)
    }

    @Test func pointReadsEqualTheScanInAnyOrder() async throws {
        await propertyCheck(count: 12, input: Gen.int(in: 1...1_000_000)) { seed in
            let dir = TempDir()
            let path = dir.file("log")
            do {
                var drafts = Drafts.random(count: 160, keys: 6, seed: UInt64(seed), payloadBytes: 300)
                // A record larger than any read window, then small ones again: the window grows and shrinks.
                let big = "{\"note\":\"" + String(repeating: "b", count: 70_000 + seed % 5000) + "\"}"
                drafts.insert(EventDraft(id: "big", key: "k1", type: "BIG", eventTime: drafts[80].eventTime, payload: Array(big.utf8)), at: 80)
                let writer = try LogWriter(directory: path, create: true, segmentBytes: 6000, clock: StepClock().clock)
                _ = try writer.append(drafts)
                writer.close()
                let reader = try LogReader(directory: path)
                #expect(reader.segments.count > 4)
                let scanned = try reader.records(0..<reader.count)
                var rng = SplitMix(seed: UInt64(seed))
                let order = (0..<reader.count).shuffled(using: &rng)
                for o in order {
                    #expect(try reader.record(at: o) == scanned[Int(o)], "offset \(o)")
                }
                for k in 0..<6 {
                    let key = "k\(k)"
                    #expect(try reader.offsets(forKey: key) == scanned.filter { $0.key == key }.map(\.offset), "key \(key)")
                }
                for r in scanned.shuffled(using: &rng).prefix(40) {
                    #expect(try reader.offset(forID: r.id) == r.offset)
                }
                // A fresh reader after the point reads: the scan itself is unchanged by them.
                #expect(try LogReader(directory: path).records(0..<reader.count) == scanned)
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }
}
