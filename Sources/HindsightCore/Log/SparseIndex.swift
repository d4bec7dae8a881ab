#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One entry of a segment's sparse index: where a record starts and the running maximum event time there.
struct IndexEntry: Sendable, Equatable {
    /// Offset of the record relative to the segment's base offset.
    var relativeOffset: UInt32
    /// Byte position of the record in the segment file.
    var position: UInt32
    /// The largest event time of all records of the log up to and including this one.
    var maxTime: Int64
}

/// A segment's sparse offset index (`.index`: u32 relative offset, u32 position) and time index
/// (`.timeindex`: i64 running-maximum event time, u32 relative offset, u32 zero), as Kafka's.
///
/// An entry is written for the first record of a segment and then whenever `interval` bytes of records
/// have passed since the previous entry. Both files are derived data: they are checked when loaded and
/// rebuilt from the records when they fail.
enum SparseIndex {
    static let offsetEntrySize = 8
    static let timeEntrySize = 16
    /// Bytes of records between two index entries.
    static let interval = 4096

    static func encodeOffsetEntries(_ entries: ArraySlice<IndexEntry>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * offsetEntrySize)
        for e in entries {
            RecordFormat.appendLE(e.relativeOffset, &out)
            RecordFormat.appendLE(e.position, &out)
        }
        return out
    }

    static func encodeTimeEntries(_ entries: ArraySlice<IndexEntry>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * timeEntrySize)
        for e in entries {
            RecordFormat.appendLE(UInt64(bitPattern: e.maxTime), &out)
            RecordFormat.appendLE(e.relativeOffset, &out)
            RecordFormat.appendLE(UInt32(0), &out)
        }
        return out
    }

    /// Decodes both files; nil when they fail the sanity check (sizes, monotonic entries, agreement, bounds).
    static func decode(offsetFile: [UInt8], timeFile: [UInt8], segmentSize: Int) -> [IndexEntry]? {
        guard offsetFile.count % offsetEntrySize == 0, timeFile.count % timeEntrySize == 0 else { return nil }
        let n = offsetFile.count / offsetEntrySize
        guard timeFile.count / timeEntrySize == n else { return nil }
        var entries: [IndexEntry] = []
        entries.reserveCapacity(n)
        offsetFile.withUnsafeBytes { o in
            timeFile.withUnsafeBytes { t in
                for i in 0..<n {
                    let rel = UInt32(littleEndian: o.loadUnaligned(fromByteOffset: i * 8, as: UInt32.self))
                    let pos = UInt32(littleEndian: o.loadUnaligned(fromByteOffset: i * 8 + 4, as: UInt32.self))
                    let time = Int64(littleEndian: t.loadUnaligned(fromByteOffset: i * 16, as: Int64.self))
                    let trel = UInt32(littleEndian: t.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt32.self))
                    if trel != rel { entries.removeAll(); return }
                    entries.append(IndexEntry(relativeOffset: rel, position: pos, maxTime: time))
                }
            }
        }
        guard entries.count == n else { return nil }
        if let first = entries.first, first.relativeOffset != 0 || first.position != 0 { return nil }
        for i in entries.indices.dropFirst() {
            let a = entries[i - 1], b = entries[i]
            guard b.relativeOffset > a.relativeOffset, b.position > a.position, b.maxTime >= a.maxTime else { return nil }
        }
        if let last = entries.last, Int(last.position) >= segmentSize { return nil }
        return entries
    }

    /// A sealed segment's offset index file as raw bytes for ``floorEntry(raw:relativeOffset:segmentSize:)``;
    /// nil when it is missing, empty or not a whole number of entries.
    static func offsetFile(_ path: String) -> [UInt8]? {
        guard let bytes = try? FileSystem.readAll(path), !bytes.isEmpty, bytes.count % offsetEntrySize == 0 else { return nil }
        return bytes
    }

    /// The last entry at or before `relativeOffset` in an offset index file's raw bytes, by binary search
    /// over them: nothing is decoded, and no time index is read. A point read of one record in each of
    /// 31 segments reads 4 MB of offset files instead of the 12 MB of offset and time indexes that
    /// loading (and checking) each segment's whole index costs.
    ///
    /// Nil when the file's first entry is not the segment's first record, the entries around the one
    /// found are out of order, or it lies past `segmentSize`; then the caller loads (and if need be
    /// rebuilds) the whole index. What this gives is still only a claim: the caller checks that its
    /// position holds the record it names.
    static func floorEntry(raw bytes: [UInt8], relativeOffset: UInt32, segmentSize: Int) -> (relativeOffset: UInt32, position: UInt32)? {
        bytes.withUnsafeBytes { raw -> (relativeOffset: UInt32, position: UInt32)? in
            let n = raw.count / offsetEntrySize
            func entry(_ k: Int) -> (UInt32, UInt32) {
                (UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: k * offsetEntrySize, as: UInt32.self)),
                 UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: k * offsetEntrySize + 4, as: UInt32.self)))
            }
            guard n > 0, entry(0) == (0, 0) else { return nil }
            // Invariant: entry `lo` is at or before `relativeOffset`, entries from `hi` on are after it.
            var lo = 0, hi = n
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if entry(mid).0 <= relativeOffset { lo = mid } else { hi = mid }
            }
            let found = entry(lo)
            if lo > 0 {
                let before = entry(lo - 1)
                guard before.0 < found.0, before.1 < found.1 else { return nil }
            }
            if lo + 1 < n {
                let after = entry(lo + 1)
                guard found.0 < after.0, found.1 < after.1 else { return nil }
            }
            guard Int(found.1) < segmentSize else { return nil }
            return found
        }
    }

    /// The last entry at or before `relativeOffset` (binary search).
    static func floorEntry(_ entries: [IndexEntry], relativeOffset: UInt32) -> IndexEntry? {
        var lo = 0, hi = entries.count - 1
        var found: IndexEntry?
        while lo <= hi {
            let mid = (lo + hi) / 2
            if entries[mid].relativeOffset <= relativeOffset {
                found = entries[mid]
                lo = mid + 1
            } else {
                hi = mid - 1
            }
        }
        return found
    }

    /// The last entry whose running-maximum time is at or before `time`.
    static func floorEntry(_ entries: [IndexEntry], time: Int64) -> IndexEntry? {
        var lo = 0, hi = entries.count - 1
        var found: IndexEntry?
        while lo <= hi {
            let mid = (lo + hi) / 2
            if entries[mid].maxTime <= time {
                found = entries[mid]
                lo = mid + 1
            } else {
                hi = mid - 1
            }
        }
        return found
    }
}

/// A segment's hash index of keys (`.keys`) or ids (`.ids`): 64-bit FNV-1a hash -> relative offset.
///
/// Layout: a 16-byte header (`HSHX`, u8 version 1, u8 flags (bit 0: sorted, bit 1: checksummed), u16 0,
/// u32 count, u32 CRC-32 of the `count` entries' bytes (0 without bit 1: files of earlier builds))
/// then `count` entries of (u64 hash, u32 relative offset). The writer appends entries in offset order
/// while a segment is active and rewrites them sorted by (hash, offset) when it seals the segment.
/// A match is a candidate only: readers compare the record's actual key or id.
struct HashIndex: Sendable {
    static let headerSize = 16
    static let entrySize = 12
    static let magic: [UInt8] = Array("HSHX".utf8)

    var hashes: [UInt64]
    var offsets: [UInt32]
    var sorted: Bool

    init(hashes: [UInt64] = [], offsets: [UInt32] = [], sorted: Bool = false) {
        self.hashes = hashes
        self.offsets = offsets
        self.sorted = sorted
    }

    var count: Int { hashes.count }

    mutating func append(hash: UInt64, relativeOffset: UInt32) {
        hashes.append(hash)
        offsets.append(relativeOffset)
    }

    /// A copy sorted by (hash, offset). Hashes are spread evenly, so one pass puts entries into buckets
    /// by their top bits (about four entries per bucket) and each bucket is then put in order by
    /// insertion; a bucket with many entries (a key that recurs, equal hashes) is sorted as a whole.
    func sortedCopy() -> HashIndex {
        let n = hashes.count
        guard n > 1 else { return HashIndex(hashes: hashes, offsets: offsets, sorted: true) }
        var bits = 1
        while bits < 16 && (1 << (bits + 2)) < n { bits += 1 }
        let shift = UInt64(64 - bits)
        let buckets = 1 << bits
        var starts = [Int](repeating: 0, count: buckets + 1)
        var next = [Int](repeating: 0, count: buckets)
        var outH = [UInt64](repeating: 0, count: n), outO = [UInt32](repeating: 0, count: n)
        hashes.withUnsafeBufferPointer { h in
            offsets.withUnsafeBufferPointer { o in
                starts.withUnsafeMutableBufferPointer { start in
                    next.withUnsafeMutableBufferPointer { cursor in
                        outH.withUnsafeMutableBufferPointer { oh in
                            outO.withUnsafeMutableBufferPointer { oo in
                                for k in h { start[Int(k >> shift) + 1] += 1 }
                                for b in 0..<buckets {
                                    start[b + 1] += start[b]
                                    cursor[b] = start[b]
                                }
                                for i in 0..<n {
                                    let b = Int(h[i] >> shift)
                                    let at = cursor[b]
                                    cursor[b] = at + 1
                                    oh[at] = h[i]
                                    oo[at] = o[i]
                                }
                                for b in 0..<buckets {
                                    HashIndex.sortRange(oh, oo, start[b], start[b + 1])
                                }
                            }
                        }
                    }
                }
            }
        }
        return HashIndex(hashes: outH, offsets: outO, sorted: true)
    }

    /// Puts entries `lo..<hi` in (hash, offset) order: by insertion when there are few of them.
    private static func sortRange(_ h: UnsafeMutableBufferPointer<UInt64>, _ o: UnsafeMutableBufferPointer<UInt32>, _ lo: Int, _ hi: Int) {
        guard hi - lo > 1 else { return }
        if hi - lo > 32 {
            var pairs = (lo..<hi).map { (h[$0], o[$0]) }
            pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            for (i, p) in pairs.enumerated() {
                h[lo + i] = p.0
                o[lo + i] = p.1
            }
            return
        }
        for i in (lo + 1)..<hi {
            let kh = h[i], ko = o[i]
            var j = i
            while j > lo && (h[j - 1] > kh || (h[j - 1] == kh && o[j - 1] > ko)) {
                h[j] = h[j - 1]
                o[j] = o[j - 1]
                j -= 1
            }
            h[j] = kh
            o[j] = ko
        }
    }

    /// Relative offsets whose hash equals `hash`, in increasing order.
    func lookup(_ hash: UInt64) -> [UInt32] {
        if sorted {
            var lo = 0, hi = hashes.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if hashes[mid] < hash { lo = mid + 1 } else { hi = mid }
            }
            var out: [UInt32] = []
            while lo < hashes.count && hashes[lo] == hash {
                out.append(offsets[lo])
                lo += 1
            }
            return out
        }
        var out: [UInt32] = []
        for i in hashes.indices where hashes[i] == hash { out.append(offsets[i]) }
        return out
    }

    /// The file's bytes: header, entries and, for a sorted index, the block directory after them.
    func encode() -> [UInt8] {
        var out: [UInt8] = []
        let blocks = sorted ? HashIndex.blockCount(count) : 0
        out.reserveCapacity(HashIndex.headerSize + count * HashIndex.entrySize + (sorted ? HashIndex.directorySize(blocks: blocks) : 0))
        out.append(contentsOf: repeatElement(0, count: HashIndex.headerSize))
        for i in 0..<count {
            RecordFormat.appendLE(hashes[i], &out)
            RecordFormat.appendLE(offsets[i], &out)
        }
        let crc = out.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[HashIndex.headerSize...])) }
        if sorted {
            let directory = out.withUnsafeBytes { HashIndex.directory(UnsafeRawBufferPointer(rebasing: $0[HashIndex.headerSize...]), count: count) }
            out.append(contentsOf: directory)
        }
        out.replaceSubrange(0..<HashIndex.headerSize, with: HashIndex.header(count: count, sorted: sorted, crc: crc))
        return out
    }

    /// Entries per block of a sorted index's directory.
    static let blockEntries = 256
    /// Header flag bit: a sorted index with a block directory after its entries.
    static let directoryFlag: UInt8 = 4

    static func blockCount(_ count: Int) -> Int { (count + blockEntries - 1) / blockEntries }
    static func directorySize(blocks: Int) -> Int { blocks * 12 + 4 }

    /// The block directory of `count` sorted entries: for each block of ``blockEntries`` entries, the
    /// hash of its first entry (u64) and the CRC-32 of its bytes (u32); then the CRC-32 of all that.
    /// A reader keeps the directory in memory and checks only the blocks it reads.
    static func directory(_ entries: UnsafeRawBufferPointer, count: Int) -> [UInt8] {
        let blocks = blockCount(count)
        var out: [UInt8] = []
        out.reserveCapacity(directorySize(blocks: blocks))
        for b in 0..<blocks {
            let first = b * blockEntries * entrySize
            let end = min(count, (b + 1) * blockEntries) * entrySize
            RecordFormat.appendLE(UInt64(littleEndian: entries.loadUnaligned(fromByteOffset: first, as: UInt64.self)), &out)
            RecordFormat.appendLE(CRC32.checksum(UnsafeRawBufferPointer(rebasing: entries[first..<end])), &out)
        }
        let crc = out.withUnsafeBytes { CRC32.checksum($0) }
        RecordFormat.appendLE(crc, &out)
        return out
    }

    /// The header bytes for an index of `count` entries whose bytes have CRC-32 `crc` (an unsorted one's
    /// is rewritten as entries are appended). A sorted one is written with its block directory.
    static func header(count: Int, sorted: Bool, crc: UInt32) -> [UInt8] {
        var out: [UInt8] = magic
        out.append(1)
        out.append((sorted ? 1 | directoryFlag : 0) | 2)
        RecordFormat.appendLE(UInt16(0), &out)
        RecordFormat.appendLE(UInt32(count), &out)
        RecordFormat.appendLE(crc, &out)
        return out
    }

    /// Whether the header's checksum (when it has one) matches the first `count` entries of `raw`.
    static func checksumHolds(_ raw: UnsafeRawBufferPointer, count: Int) -> Bool {
        guard raw[5] & 2 != 0 else { return true }
        let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        return CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[headerSize..<(headerSize + count * entrySize)])) == stored
    }

    /// Decodes a file; nil when it fails the sanity check. Entries beyond the header's count are ignored
    /// (a crash between appending entries and updating the count).
    static func decode(_ bytes: [UInt8], maxRelativeOffset: UInt32?) -> HashIndex? {
        guard bytes.count >= headerSize, Array(bytes[0..<4]) == magic, bytes[4] == 1 else { return nil }
        return bytes.withUnsafeBytes { raw -> HashIndex? in
            let sorted = raw[5] & 1 == 1
            let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            guard headerSize + count * entrySize <= raw.count, checksumHolds(raw, count: count) else { return nil }
            if raw[5] & directoryFlag != 0 {
                // The directory must be the one these entries give (a reader trusts it to find blocks).
                let entriesEnd = headerSize + count * entrySize
                let expected = directory(UnsafeRawBufferPointer(rebasing: raw[headerSize..<entriesEnd]), count: count)
                guard sorted, raw.count == entriesEnd + expected.count, raw[entriesEnd...].elementsEqual(expected) else { return nil }
            }
            var index = HashIndex(sorted: sorted)
            index.hashes.reserveCapacity(count)
            index.offsets.reserveCapacity(count)
            var previous: (UInt64, UInt32)?
            for i in 0..<count {
                let p = headerSize + i * entrySize
                let h = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self))
                let o = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 8, as: UInt32.self))
                if let maxRelativeOffset, o > maxRelativeOffset { return nil }
                if sorted, let prev = previous, (h, o) < prev { return nil }
                if !sorted, o != UInt32(i) { return nil }  // unsorted entries are one per record, in order
                previous = (h, o)
                index.hashes.append(h)
                index.offsets.append(o)
            }
            return index
        }
    }

    /// 64-bit FNV-1a of a string's UTF-8 bytes (stable across processes and machines).
    static func hash(_ s: String) -> UInt64 {
        var s = s
        return s.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// 64-bit FNV-1a of bytes.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }
}

/// A sealed segment's sorted key or id index, read from its file a block at a time: looking up a hash
/// reads the one block (or the few) its entries can be in, found through the first hash of every
/// block, kept in memory (a 10M-record log has ~120 MB of these files and ~0.5 MB of block hashes).
/// Reading rather than mapping keeps the process small: the kernel maps a freshly written file's page
/// cache in large blocks on each fault, and a lookup's binary search over 31 mapped files counted
/// 120 MB as this process's memory.
///
/// A file with a block directory (``HashIndex/directory(_:count:)``) is opened by reading its header
/// and directory alone; each block's CRC is checked when the block is read, so a process that looks
/// one key up reads a few kilobytes, not the whole file. A file without one (written before
/// directories) is checked once, whole: its CRC, or for a file without one, that its entries are in
/// order and within the segment. A file that fails is not used (the caller rebuilds the index from the
/// records). A match is still only a candidate that the caller confirms.
final class SealedHashIndex: @unchecked Sendable {
    private let path: String
    let count: Int
    /// The hash of entry `k * blockEntries`, for each block `k`.
    private let blockFirstHashes: [UInt64]
    /// Each block's CRC-32, when the file has a directory (nil: the file was checked whole).
    private let blockCRCs: [UInt32]?
    static let blockEntries = HashIndex.blockEntries

    /// Opens and checks the sorted index at `path` for a segment of `count` records; nil when it is
    /// missing, unsorted, damaged, or does not cover exactly `count` records.
    init?(path: String, count: Int) {
        guard let file = try? RawFile.openForReading(path), let header = try? file.read(0..<HashIndex.headerSize),
            header.count == HashIndex.headerSize, Array(header[0..<4]) == HashIndex.magic, header[4] == 1, header[5] & 1 == 1,
            header.withUnsafeBytes({ Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self))) }) == count
        else { return nil }
        let entriesEnd = HashIndex.headerSize + count * HashIndex.entrySize
        let blocks = HashIndex.blockCount(count)
        if header[5] & HashIndex.directoryFlag != 0 {
            let size = HashIndex.directorySize(blocks: blocks)
            guard (try? file.size()) == entriesEnd + size, let bytes = try? file.read(entriesEnd..<(entriesEnd + size)), bytes.count == size
            else { return nil }
            let parsed: ([UInt64], [UInt32])? = bytes.withUnsafeBytes { raw in
                let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: size - 4, as: UInt32.self))
                guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(size - 4)])) == stored else { return nil }
                var firsts: [UInt64] = [], crcs: [UInt32] = []
                firsts.reserveCapacity(blocks)
                crcs.reserveCapacity(blocks)
                for b in 0..<blocks {
                    let h = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: b * 12, as: UInt64.self))
                    // The directory's CRC holds, so only a forged file could list blocks out of order.
                    if let last = firsts.last, h < last { return nil }
                    firsts.append(h)
                    crcs.append(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: b * 12 + 8, as: UInt32.self)))
                }
                return (firsts, crcs)
            }
            guard let parsed else { return nil }
            self.blockFirstHashes = parsed.0
            self.blockCRCs = parsed.1
        } else {
            guard let size = try? file.size(), let bytes = try? file.read(0..<size) else { return nil }
            let firsts: [UInt64]? = bytes.withUnsafeBytes { raw in
                guard raw.count >= entriesEnd else { return nil }
                guard count > 0, let entries = raw.baseAddress?.advanced(by: HashIndex.headerSize) else { return count == 0 ? [] : nil }
                // A file with a CRC is trusted when it holds (the writer wrote it sorted, and every candidate a
                // lookup gives is confirmed against its record); one without (written before indexes had CRCs)
                // must be in order.
                let ok = raw[5] & 2 != 0 ? HashIndex.checksumHolds(raw, count: count) : SealedHashIndex.isOrdered(entries, count: count)
                guard ok else { return nil }
                return stride(from: 0, to: count, by: SealedHashIndex.blockEntries).map {
                    UInt64(littleEndian: entries.loadUnaligned(fromByteOffset: $0 * HashIndex.entrySize, as: UInt64.self))
                }
            }
            guard let firsts else { return nil }
            self.blockFirstHashes = firsts
            self.blockCRCs = nil
        }
        self.path = path
        self.count = count
    }

    /// Whether `count` (> 0) entries (u64 hash, u32 relative offset) are in strictly ascending
    /// (hash, offset) order with every offset below `count`.
    static func isOrdered(_ entries: UnsafeRawPointer, count: Int) -> Bool {
        let maxRelative = UInt32(count - 1)
        var previousHash: UInt64 = 0
        var previousOffset: UInt32 = 0
        for i in 0..<count {
            let at = entries + i * HashIndex.entrySize
            let h = UInt64(littleEndian: at.loadUnaligned(as: UInt64.self))
            let o = UInt32(littleEndian: at.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            if o > maxRelative { return false }
            if i > 0, h < previousHash || (h == previousHash && o <= previousOffset) { return false }
            previousHash = h
            previousOffset = o
        }
        return true
    }

    /// Relative offsets whose hash equals `hash`, ascending: the entries from the last block whose first
    /// hash is below `hash` (a run of equal hashes may start at its end) up to the first larger hash.
    /// Nil when a block read no longer matches its check (the file was cut short or changed since it was
    /// opened): the caller stops using this file.
    func lookup(_ hash: UInt64) throws -> [UInt32]? {
        var lo = 0, hi = blockFirstHashes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if blockFirstHashes[mid] < hash { lo = mid + 1 } else { hi = mid }
        }
        var block = max(0, lo - 1)
        // No block starts at or below `hash`'s run: nothing to read.
        if blockFirstHashes.isEmpty || (lo == 0 && blockFirstHashes[0] > hash) { return [] }
        // Opened per lookup: holding a descriptor per index would run into the open-file limit on a
        // log of hundreds of segments.
        let file = try RawFile.openForReading(path)
        let blockBytes = SealedHashIndex.blockEntries * HashIndex.entrySize
        var buffer = [UInt8](repeating: 0, count: blockBytes)
        var out: [UInt32] = []
        while block < blockFirstHashes.count {
            let first = block * SealedHashIndex.blockEntries
            let entries = min(SealedHashIndex.blockEntries, count - first)
            let done: Bool? = try buffer.withUnsafeMutableBytes { raw in
                let want = entries * HashIndex.entrySize
                let bytes = UnsafeMutableRawBufferPointer(rebasing: raw[0..<want])
                let n = try file.read(into: bytes, at: HashIndex.headerSize + first * HashIndex.entrySize)
                guard n == want else { return nil }
                if let crcs = blockCRCs, CRC32.checksum(UnsafeRawBufferPointer(bytes)) != crcs[block] { return nil }
                // The first entry must be the one the directory names (a forged directory could differ).
                if UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) != blockFirstHashes[block] { return nil }
                for k in 0..<entries {
                    let h = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: k * HashIndex.entrySize, as: UInt64.self))
                    if h < hash { continue }
                    if h > hash { return true }
                    let o = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: k * HashIndex.entrySize + 8, as: UInt32.self))
                    // Offsets must be ascending within the segment (the writer's order; a caller relies on it).
                    if o >= UInt32(count) || (out.last.map { o <= $0 } ?? false) { return nil }
                    out.append(o)
                }
                return false
            }
            guard let done else { return nil }
            if done { break }
            block += 1
        }
        return out
    }
}
