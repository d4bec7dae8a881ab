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
            // One entry per record, as a segment's index has: record i's hash is drawn from the pool.
            let pairs = ImportPathTests.entries(&rng, count: count, pool: pool).enumerated().map { ($0.element.0, UInt32($0.offset)) }
            let sorted = HashIndex(hashes: pairs.map(\.0), offsets: pairs.map(\.1)).sortedCopy()
            let dir = TempDir()
            // The file as written now (block directory), and as written before directories: with a CRC
            // (checked whole) and without one (checked for order).
            let current = sorted.encode()
            let legacy = PointReadTests.withoutDirectory(current, count: count, crc: true)
            let oldest = PointReadTests.withoutDirectory(current, count: count, crc: false)
            for (name, bytes) in [("current", current), ("legacy", legacy), ("oldest", oldest)] {
                let path = dir.file("\(name).keys")
                #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
                guard let sealed = SealedHashIndex(path: path, count: count) else {
                    Issue.record("a sorted \(name) index was not accepted (count \(count))")
                    continue
                }
                var probes = Set(pairs.map(\.0))
                for h in pairs.prefix(20).map(\.0) {
                    probes.insert(h &+ 1)
                    probes.insert(h &- 1)
                }
                probes.formUnion([0, UInt64.max, rng.next()])
                for h in probes {
                    let got = try? sealed.lookup(h)
                    #expect(got == sorted.lookup(h), "\(name), hash \(h)")
                }
            }
            let decoded = HashIndex.decode(current, maxRelativeOffset: UInt32(max(0, count - 1)))
            #expect(decoded?.hashes == sorted.hashes && decoded?.offsets == sorted.offsets)
        }
    }

    /// A sorted index file as written before block directories: the directory cut off and its flag
    /// cleared (and, for the oldest files, the checksum flag and CRC too).
    static func withoutDirectory(_ bytes: [UInt8], count: Int, crc: Bool) -> [UInt8] {
        var out = Array(bytes[0..<(HashIndex.headerSize + count * HashIndex.entrySize)])
        out[5] &= ~HashIndex.directoryFlag
        if !crc {
            out[5] &= ~2
            out.replaceSubrange(12..<16, with: [0, 0, 0, 0])
        }
        return out
    }

    @Test func aDamagedBlockIsFoundWhenItIsReadAndTheDirectoryWhenItIsOpened() throws {
        // 600 entries in 3 blocks; hash h has entries at offsets h, h+7, h+14, ...
        let sorted = HashIndex(hashes: (0..<600).map { UInt64($0 % 7) }, offsets: (0..<600).map { UInt32($0) }).sortedCopy()
        let dir = TempDir()
        let path = dir.file("index.keys")
        let bytes = sorted.encode()
        let entriesEnd = HashIndex.headerSize + 600 * HashIndex.entrySize
        #expect(bytes.count == entriesEnd + HashIndex.directorySize(blocks: 3))
        // An entry in block 1 damaged: the file opens (only its directory is read), a lookup that reads
        // block 1 gives nil, one that reads block 2 alone still answers.
        var damaged = bytes
        damaged[HashIndex.headerSize + 300 * HashIndex.entrySize + 9] ^= 0x10
        #expect(FileManager.default.createFile(atPath: path, contents: Data(damaged)))
        let sealed = try #require(SealedHashIndex(path: path, count: 600))
        let inBlock1 = sorted.hashes[300]
        #expect(try sealed.lookup(inBlock1) == nil)
        let last = try #require(sorted.hashes.last)
        #expect(try sealed.lookup(last) == sorted.lookup(last))
        #expect(HashIndex.decode(damaged, maxRelativeOffset: 599) == nil)
        // The directory damaged, cut short, or with a byte after it: the file is refused when opened.
        for change in [
            { (b: inout [UInt8]) in b[entriesEnd + 3] ^= 1 },
            { (b: inout [UInt8]) in b.removeLast() },
            { (b: inout [UInt8]) in b.append(0) },
        ] {
            var b = bytes
            change(&b)
            #expect(FileManager.default.createFile(atPath: path, contents: Data(b)))
            #expect(SealedHashIndex(path: path, count: 600) == nil)
            #expect(HashIndex.decode(b, maxRelativeOffset: 599) == nil)
        }
        // The file cut short after it was opened: the lookup gives nil, it does not throw.
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let opened = try #require(SealedHashIndex(path: path, count: 600))
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes[0..<(HashIndex.headerSize + 100 * HashIndex.entrySize)])))
        #expect(try opened.lookup(last) == nil)
    }

    /// A log of `count` random events in segments of about `segmentBytes`, and the events.
    static func log(in dir: TempDir, count: Int, keys: Int, seed: UInt64, payloadBytes: Int, segmentBytes: Int) throws -> (String, [EventDraft]) {
        let path = dir.file("log")
        let drafts = Drafts.random(count: count, keys: keys, seed: seed, payloadBytes: payloadBytes)
        let writer = try LogWriter(directory: path, create: true, segmentBytes: segmentBytes, clock: StepClock().clock)
        _ = try writer.append(drafts)
        writer.close()
        return (path, drafts)
    }

    @Test func keyLookupsEqualTheScanWhenASealedIndexIsDamaged() throws {
        let dir = TempDir()
        let (path, _) = try PointReadTests.log(in: dir, count: 3000, keys: 40, seed: 7, payloadBytes: 60, segmentBytes: 40_000)
        let reader = try LogReader(directory: path)
        #expect(reader.segments.count > 3)
        // Damage an entry in the middle of the first sealed segment's key index, after the reader opened it.
        let keys = reader.segments[0].files.keys
        var bytes = try FileSystem.readAll(keys)
        let n = reader.segments[0].count
        bytes[HashIndex.headerSize + (n / 2) * HashIndex.entrySize + 2] ^= 0x40
        #expect(FileManager.default.createFile(atPath: keys, contents: Data(bytes)))
        let scanned = try reader.records(0..<reader.count)
        for k in 0..<40 {
            let key = "k\(k)"
            #expect(try reader.offsets(forKey: key) == scanned.filter { $0.key == key }.map(\.offset), "key \(key)")
        }
    }

    @Test func sealedIndexRefusesAWrongCountOrAMissingFile() throws {
        let sorted = HashIndex(hashes: (0..<600).map { UInt64($0 % 7) }, offsets: (0..<600).map { UInt32($0) }).sortedCopy()
        let dir = TempDir()
        let path = dir.file("index.keys")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(sorted.encode())))
        #expect(SealedHashIndex(path: path, count: 600) != nil)
        #expect(SealedHashIndex(path: path, count: 599) == nil)
        #expect(SealedHashIndex(path: dir.file("missing.keys"), count: 600) == nil)
        // A file without a directory is checked whole when opened: a damaged entry refuses it.
        var legacy = PointReadTests.withoutDirectory(sorted.encode(), count: 600, crc: true)
        legacy[HashIndex.headerSize + 300 * HashIndex.entrySize] ^= 0x10
        #expect(FileManager.default.createFile(atPath: path, contents: Data(legacy)))
        #expect(SealedHashIndex(path: path, count: 600) == nil)
    }

    @Test func offsetIndexFileLookupEqualsTheLoadedIndex() async throws {
        // 1-3000 entries, targets before, on, between and after them.
        await propertyCheck(count: 60, input: Gen.int(in: 1...1_000_000), Gen.int(in: 1...3000)) { seed, n in
            var rng = SplitMix(seed: UInt64(seed))
            var entries: [IndexEntry] = [IndexEntry(relativeOffset: 0, position: 0, maxTime: 0)]
            for _ in 1..<n {
                let last = entries[entries.count - 1]
                entries.append(IndexEntry(relativeOffset: last.relativeOffset + 1 + UInt32(rng.next() % 40),
                                          position: last.position + 1 + UInt32(rng.next() % 9000), maxTime: 0))
            }
            let size = Int(entries[entries.count - 1].position) + 100
            let raw = SparseIndex.encodeOffsetEntries(entries[...])
            let top = entries[entries.count - 1].relativeOffset + 50
            var targets: [UInt32] = [0, top] + entries.prefix(30).map(\.relativeOffset)
            for _ in 0..<60 { targets.append(UInt32(rng.next() % UInt64(top + 1))) }
            for t in targets {
                let got = SparseIndex.floorEntry(raw: raw, relativeOffset: t, segmentSize: size)
                let want = SparseIndex.floorEntry(entries, relativeOffset: t)
                #expect(got?.relativeOffset == want?.relativeOffset && got?.position == want?.position, "target \(t) of \(n) entries: \(String(describing: got)) \(String(describing: want))")
            }
            // An entry past the segment's end is refused, not returned.
            let last = entries[entries.count - 1]
            #expect(SparseIndex.floorEntry(raw: raw, relativeOffset: last.relativeOffset, segmentSize: Int(last.position)) == nil)
        }
    }

    @Test func offsetIndexFileLookupRefusesWhatIsNotAnIndex() throws {
        let entries = (0..<40).map { IndexEntry(relativeOffset: UInt32($0 * 3), position: UInt32($0 * 5000), maxTime: 0) }
        let good = SparseIndex.encodeOffsetEntries(entries[...])
        let found = SparseIndex.floorEntry(raw: good, relativeOffset: 61, segmentSize: 1 << 20)
        #expect(found?.relativeOffset == 60 && found?.position == 100_000)
        var swapped = good  // entries 20 and 21 swapped: the one found is out of order with its neighbour
        swapped.replaceSubrange(160..<176, with: Array(good[168..<176]) + Array(good[160..<168]))
        var notFirst = good  // the first entry is not the segment's first record
        notFirst[4] = 1
        // (Offset 63 is entry 20's now: whichever of the two the search ends on has a neighbour out of order.)
        for (name, bytes) in [("empty", [UInt8]()), ("swapped", swapped), ("not first", notFirst)] {
            #expect(SparseIndex.floorEntry(raw: bytes, relativeOffset: 63, segmentSize: 1 << 20) == nil, "\(name)")
        }
        let dir = TempDir()
        let path = dir.file("segment.index")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(good.dropLast(3))))
        #expect(SparseIndex.offsetFile(path) == nil)  // a torn entry
        #expect(SparseIndex.offsetFile(dir.file("missing.index")) == nil)
    }

    @Test func pointReadsEqualTheScanWhenSealedOffsetIndexesAreDamaged() throws {
        let dir = TempDir()
        let (path, drafts) = try PointReadTests.log(in: dir, count: 400, keys: 5, seed: 11, payloadBytes: 300, segmentBytes: 30_000)
        let scanned = try LogReader(directory: path).records(0..<Int64(drafts.count))
        let bases = try SegmentFiles.list(directory: path)
        #expect(bases.count > 3)
        // Sealed segments' offset indexes: one names wrong positions, one is cut mid-entry, one is gone.
        for (n, base) in bases.dropLast().prefix(3).enumerated() {
            let file = SegmentFiles(directory: path, base: base).offsetIndex
            var bytes = try FileSystem.readAll(file)
            switch n {
            case 0: for k in stride(from: 12, to: bytes.count, by: 8) { bytes[k] ^= 0x08 }
            case 1: bytes.removeLast(5)
            default: bytes = []
            }
            #expect(FileManager.default.createFile(atPath: file, contents: Data(bytes)))
        }
        let reader = try LogReader(directory: path)
        var rng = SplitMix(seed: 3)
        for o in (0..<reader.count).shuffled(using: &rng) {
            #expect(try reader.record(at: o) == scanned[Int(o)], "offset \(o)")
        }
    }

    @Test func pointReadsInASealedSegmentReadOnlyItsOffsetFile() throws {
        let dir = TempDir()
        let (path, _) = try PointReadTests.log(in: dir, count: 400, keys: 5, seed: 12, payloadBytes: 100, segmentBytes: 40_000)
        let reader = try LogReader(directory: path)
        let first = reader.segments[0]
        #expect(reader.segments.count > 1)
        for o in 0..<Int64(first.count) { _ = try reader.record(at: o) }
        // Every record of the segment was found through the raw offset file: no index was decoded.
        #expect(first.index == nil)
        #expect((first.offsetFile ?? nil)?.count == (try FileSystem.readAll(first.files.offsetIndex)).count)
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
