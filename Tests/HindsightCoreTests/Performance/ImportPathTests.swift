import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

/// The import path's fast structures, each against a plain reference: the sealed-index sort, the
/// writer's id table, the batched key-slot lookup, the split file read, and checkpoints built with the
/// writer's key slots.
@Suite("Import path: fast structures equal their references")
struct ImportPathTests {
    /// Hashes from a small pool (so that equal hashes recur) or spread over 64 bits, offsets in any order.
    static func entries(_ rng: inout SplitMix, count: Int, pool: Int) -> [(UInt64, UInt32)] {
        let hashes = (0..<max(1, pool)).map { _ in rng.next() }
        return (0..<count).map { _ in
            let h = pool > 0 ? hashes[Int(rng.next() % UInt64(pool))] : rng.next()
            return (h, UInt32(truncatingIfNeeded: rng.next() % 5000))
        }
    }

    @Test func sortedIndexEqualsSortingThePairs() async {
        await propertyCheck(count: 60, input: Gen.int(in: 1...1_000_000), Gen.int(in: 0...3000), Gen.int(in: 0...40)) { seed, count, pool in
            var rng = SplitMix(seed: UInt64(seed))
            let pairs = ImportPathTests.entries(&rng, count: count, pool: pool)
            let index = HashIndex(hashes: pairs.map(\.0), offsets: pairs.map(\.1))
            let sorted = index.sortedCopy()
            let reference = pairs.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            #expect(sorted.sorted)
            #expect(sorted.hashes == reference.map(\.0))
            #expect(sorted.offsets == reference.map(\.1))
        }
    }

    @Test func sortedIndexOfOneRepeatedHashKeepsOffsetsAscending() {
        // A log with one key: every entry has the same hash (one bucket, sorted as a whole).
        let index = HashIndex(hashes: Array(repeating: 42, count: 50_000), offsets: (0..<50_000).reversed().map { UInt32($0) })
        let sorted = index.sortedCopy()
        #expect(sorted.offsets == (0..<50_000).map { UInt32($0) })
    }

    @Test func idTableFindsWhatWasInsertedAndGivesTheSlotForTheRest() async {
        await propertyCheck(count: 30, input: Gen.int(in: 1...1_000_000)) { seed in
            var rng = SplitMix(seed: UInt64(seed))
            var table = IDTable(capacity: 4)
            var reference: [UInt64: [Int64]] = [:]
            for offset in Int64(0)..<3000 {
                // Room for the rest reserved part way (as an import does before appending): the entries
                // already in are rehashed once and still found.
                if offset == Int64(seed % 2000) { table.reserve(table.count + 3000) }
                // Hashes from a pool of 900, so a third repeat; an offset "matches" when it is even.
                let hash = rng.next() % 900
                let (found, slot) = table.find(hash: hash) { $0 % 2 == 0 }
                #expect(found == (reference[hash]?.contains { $0 % 2 == 0 } ?? false))
                if !found {
                    table.insert(hash: hash, offset: offset, at: slot)
                    reference[hash, default: []].append(offset)
                }
                table.prefetch(hash: rng.next())
            }
            for (hash, offsets) in reference {
                var seen: [Int64] = []
                _ = table.contains(hash: hash) { seen.append($0); return false }
                #expect(seen.sorted() == offsets.sorted())
            }
            #expect(table.count == reference.values.reduce(0) { $0 + $1.count })
            // A copy keeps what it had while the original goes on inserting (the slots are shared until then).
            let copy = table
            table.insert(hash: 5_000, offset: 9_999)
            #expect(table.contains(hash: 5_000) { $0 == 9_999 })
            #expect(!copy.contains(hash: 5_000) { _ in true })
            #expect(copy.count == table.count - 1)
        }
    }

    @Test func batchedKeySlotsEqualOneAtATime() async {
        await propertyCheck(count: 40, input: Gen.int(in: 1...1_000_000), Gen.int(in: 1...500)) { seed, pool in
            var rng = SplitMix(seed: UInt64(seed))
            var batched = KeySlots(), single = KeySlots()
            for _ in 0..<4 {
                let n = Int(rng.next() % 700)
                // Keys from a pool (repeats in and across batches), some long, some empty, one hash forced
                // equal to another's (a collision must still give two slots).
                let keys: [[UInt8]] = (0..<n).map { _ in
                    let k = Int(rng.next() % UInt64(pool))
                    return k % 50 == 7 ? Array(repeating: UInt8(65 + k % 26), count: 40 + k % 30) : (k == 3 ? [] : Array("key-\(k)".utf8))
                }
                let hashes: [UInt64] = keys.map { $0 == Array("key-5".utf8) ? HashIndex.hash(UnsafeRawBufferPointer(start: nil, count: 0)) : $0.withUnsafeBytes { HashIndex.hash($0) } }
                var out: [Int32] = []
                let flat = keys.flatMap { $0 }
                var starts: [Int] = []
                var at = 0
                for k in keys {
                    starts.append(at)
                    at += k.count
                }
                flat.withUnsafeBytes { raw in
                    hashes.withUnsafeBufferPointer { h in
                        batched.slots(count: n, hashes: h, key: { i in UnsafeRawBufferPointer(rebasing: raw[starts[i]..<(starts[i] + keys[i].count)]) }, into: &out)
                    }
                }
                let expected = keys.indices.map { i in keys[i].withUnsafeBytes { Int32(single.slot($0, hash: hashes[i]).slot) } }
                #expect(out == expected)
                #expect(batched.count == single.count)
            }
        }
    }

    @Test func aFileIsReadWhole() throws {
        let dir = TempDir()
        var rng = SplitMix(seed: 7)
        for size in [0, 1, 2, 3, 4097, 100_003] {
            let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let path = dir.file("f\(size)")
            try FileSystem.writeAtomically(path, bytes)
            #expect(try FileSystem.readAll(path) == bytes, "size \(size)")
        }
    }

    @Test func checkpointsBuiltWithTheWritersKeySlotsAreTheBuildersOwn() throws {
        // The same events, the same clock: handed over in many small flushes (each with its records'
        // key slots, numbered by the writer from the builder's own after each reopen) or in one at the end
        // (the builder looks every key up): the checkpoint files are byte for byte the same.
        let drafts = Drafts.random(count: 3000, keys: 40, seed: 11, payloadBytes: 30)
        let dir = TempDir()
        var files: [[String: [UInt8]]] = []
        for flushBytes in [300, LogWriter.defaultFlushBytes] {
            let path = dir.file("log-\(flushBytes)")
            let clock = StepClock()
            for part in 0..<3 {
                let writer = try LogWriter(directory: path, create: true, segmentBytes: 90_000, clock: clock.clock,
                                           checkpointInterval: 97, flushBytes: flushBytes)
                _ = try writer.append(Array(drafts[(part * 1000)..<((part + 1) * 1000)]))
                #expect(writer.finishCheckpoints() == nil)
                writer.close()
            }
            var contents: [String: [UInt8]] = [:]
            for name in try FileSystem.list(path) where name.hasSuffix(".checkpoints") {
                contents[name] = try FileSystem.readAll(path + "/" + name)
            }
            #expect(contents.count > 1)
            files.append(contents)
        }
        #expect(files[0] == files[1])
    }
}
