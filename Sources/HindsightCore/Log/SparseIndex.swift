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

    func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(HashIndex.headerSize + count * HashIndex.entrySize)
        out.append(contentsOf: repeatElement(0, count: HashIndex.headerSize))
        for i in 0..<count {
            RecordFormat.appendLE(hashes[i], &out)
            RecordFormat.appendLE(offsets[i], &out)
        }
        let crc = out.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[HashIndex.headerSize...])) }
        out.replaceSubrange(0..<HashIndex.headerSize, with: HashIndex.header(count: count, sorted: sorted, crc: crc))
        return out
    }

    /// The header bytes for an index of `count` entries whose bytes have CRC-32 `crc` (an unsorted one's
    /// is rewritten as entries are appended).
    static func header(count: Int, sorted: Bool, crc: UInt32) -> [UInt8] {
        var out: [UInt8] = magic
        out.append(1)
        out.append((sorted ? 1 : 0) | 2)
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
/// The file is checked once, whole (header, size, CRC, or for a file without one: entries sorted by
/// (hash, offset) and within the segment); a file that fails is not used (the caller rebuilds the
/// index from the records). A match is still only a candidate that the caller confirms.
final class SealedHashIndex: @unchecked Sendable {
    private let path: String
    let count: Int
    /// The hash of entry `k * blockEntries`, for each block `k`.
    private let blockFirstHashes: [UInt64]
    static let blockEntries = 256

    /// Reads and checks the sorted index at `path` for a segment of `count` records; nil when it is
    /// missing, unsorted, or does not cover exactly `count` records.
    init?(path: String, count: Int) {
        guard let bytes = try? FileSystem.readAll(path) else { return nil }
        let firsts: [UInt64]? = bytes.withUnsafeBytes { raw in
            guard raw.count >= HashIndex.headerSize + count * HashIndex.entrySize, raw.count > 0 else { return nil }
            let stored = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            guard Array(raw[0..<4]) == HashIndex.magic, raw[4] == 1, raw[5] & 1 == 1, stored == count else { return nil }
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
        self.path = path
        self.count = count
        self.blockFirstHashes = firsts
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
    func lookup(_ hash: UInt64) throws -> [UInt32] {
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
            let done: Bool = try buffer.withUnsafeMutableBytes { raw in
                let want = entries * HashIndex.entrySize
                let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<want]), at: HashIndex.headerSize + first * HashIndex.entrySize)
                guard n == want else {
                    throw HindsightError(.corrupt, "\(path): the index file was cut short since it was checked", hint: "run hindsight verify on the log")
                }
                for k in 0..<entries {
                    let h = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: k * HashIndex.entrySize, as: UInt64.self))
                    if h < hash { continue }
                    if h > hash { return true }
                    out.append(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: k * HashIndex.entrySize + 8, as: UInt32.self)))
                }
                return false
            }
            if done { break }
            block += 1
        }
        return out
    }
}
