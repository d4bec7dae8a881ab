import Crypto

/// The on-disk form of stored state checkpoints (`%020d.checkpoints`, one file per segment, named
/// like it): derived data that the writer keeps so that a reader gets the state of every record at
/// any offset from a nearby checkpoint instead of a replay from offset 0 (see docs/FORMAT.md).
///
/// A file is a sequence of blocks. The first is a *full* block: the state of every record after the
/// records before the segment (`position` = the segment's base offset). Each later block is a
/// *delta*: the states of the records that changed since the previous block, at a later `position`
/// (records 0 ..< position folded). The state at a block is therefore its entries, then those of the
/// blocks before it back to the full block, newest first.
///
/// Block layout (little-endian):
/// ```
/// 0    4   magic "HSCK"
/// 4    1   version (1)
/// 5    1   kind (0 full, 1 delta)
/// 6    1   flags: bit 0 set: the entries are sorted by key bytes, each key once (``KeyOrder``)
/// 7    1   0
/// 8    4   blockLength: bytes of the whole block, this header to the trailing CRC included
/// 12   8   position: records folded (the state after offsets 0 ..< position)
/// 20   8   previous: the previous block's position (a full block: its own)
/// 28   32  the chain hash of record position-1 (32 zero bytes at position 0)
/// 60   32  SHA-256 of the rules the states were folded with (canonical JSON)
/// 92   4   entry count
/// 96   4   0
/// 100  ... entries: u32 keyLength, key (UTF-8), u32 stateLength, state (compact JSON);
///          stateLength 0xFFFFFFFF: the record is absent (deleted)
/// end-4 4  CRC-32 of the block's bytes before it
/// ```
/// A block is used only when its CRC holds, it chains to the block before it, its rules digest is the
/// reader's and the log's record at `position - 1` has the chain hash it names: a checkpoint is never
/// trusted over the records, and a damaged, stale or foreign one is ignored (the writer rebuilds it).
enum CheckpointFile {
    static let magic: [UInt8] = Array("HSCK".utf8)
    static let version: UInt8 = 1
    static let headerSize = 100
    static let absent = UInt32.max
    /// Records between two delta blocks.
    static let deltaInterval: Int64 = 32_768

    static func path(directory: String, base: Int64) -> String {
        directory + "/" + SegmentFiles.name(base) + ".checkpoints"
    }

    /// SHA-256 of the rules' canonical JSON (object members sorted by name).
    static func rulesDigest(_ rules: Rules) -> [UInt8] {
        var out: [UInt8] = []
        canonical(rules.source, into: &out)
        return Array(SHA256.hash(data: out))
    }

    private static func canonical(_ value: JSON, into out: inout [UInt8]) {
        switch value {
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, key) in o.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONSerializer.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                canonical(o[key] ?? .null, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, element) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                canonical(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        default:
            JSONSerializer.write(value, into: &out, indent: nil, level: 0)
        }
    }

    /// A block's header fields.
    struct Header: Equatable {
        var full: Bool
        /// The entries are in key order, each key once (flag bit 0); a reader still checks that they are.
        var sorted: Bool = false
        var length: Int
        var position: Int64
        var previous: Int64
        var recordHash: [UInt8]
        var rulesDigest: [UInt8]
        var entries: Int
    }

    /// Reads a block header at the start of `bytes`; nil when it is not one (or is cut short).
    static func header(_ bytes: UnsafeRawBufferPointer) -> Header? {
        guard bytes.count >= headerSize, Array(bytes[0..<4]) == magic, bytes[4] == version, bytes[5] <= 1 else { return nil }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        guard length >= headerSize + 4 else { return nil }
        return Header(full: bytes[5] == 0, sorted: bytes[6] & 1 != 0, length: length,
                      position: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: Int64.self)),
                      previous: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 20, as: Int64.self)),
                      recordHash: Array(bytes[28..<60]), rulesDigest: Array(bytes[60..<92]),
                      entries: Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 92, as: UInt32.self))))
    }

    /// Whether the block at the start of `bytes` (at least `header.length` bytes) has a good CRC.
    static func checksumHolds(_ bytes: UnsafeRawBufferPointer, length: Int) -> Bool {
        guard bytes.count >= length, length >= headerSize + 4 else { return false }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self))
        return CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(length - 4)])) == stored
    }

    /// Calls `body` with each entry of a block (key bytes, state bytes or nil for absent); false when
    /// the entries do not fit the block.
    @discardableResult
    static func forEachEntry(_ block: UnsafeRawBufferPointer, _ header: Header,
                             _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Void) -> Bool {
        guard let base = block.baseAddress, header.length >= headerSize + 4, block.count >= header.length else { return false }
        var p = headerSize
        let end = header.length - 4
        for _ in 0..<header.entries {
            guard let e = entry(base, at: p, end: end) else { return false }
            let key = UnsafeRawBufferPointer(start: base + e.keyAt, count: e.keyCount)
            body(key, e.stateCount < 0 ? nil : UnsafeRawBufferPointer(start: base + e.stateAt, count: e.stateCount))
            p = e.next
        }
        return p == end
    }

    /// Where the parts of the entry at `p` of the block at `base` are (its bytes end before `end`):
    /// key and state (`stateCount` -1: absent), and where the next entry starts; nil when it does not
    /// fit (or a key or state is 2 GiB or more).
    @inline(__always)
    static func entry(_ base: UnsafeRawPointer, at p: Int, end: Int) -> (keyAt: Int, keyCount: Int, stateAt: Int, stateCount: Int, next: Int)? {
        guard p + 4 <= end else { return nil }
        let keyCount = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt32.self)))
        let keyAt = p + 4
        guard keyCount <= end - keyAt, keyAt + keyCount + 4 <= end, keyCount <= Int(Int32.max) else { return nil }
        let stateAt = keyAt + keyCount + 4
        let stateLength = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: stateAt - 4, as: UInt32.self))
        guard stateLength != absent else { return (keyAt, keyCount, stateAt, -1, stateAt) }
        guard stateLength <= UInt32(Int32.max), Int(stateLength) <= end - stateAt else { return nil }
        return (keyAt, keyCount, stateAt, Int(stateLength), stateAt + Int(stateLength))
    }

    /// Writes a block header at `out` (`length`: the whole block's bytes, CRC included).
    static func writeHeader(at out: UnsafeMutableRawPointer, full: Bool, sorted: Bool, length: Int, position: Int64, previous: Int64,
                            recordHash: [UInt8], rulesDigest: [UInt8], entries: Int) {
        magic.withUnsafeBytes { if let b = $0.baseAddress { out.copyMemory(from: b, byteCount: 4) } }
        out.storeBytes(of: version, toByteOffset: 4, as: UInt8.self)
        out.storeBytes(of: full ? UInt8(0) : 1, toByteOffset: 5, as: UInt8.self)
        out.storeBytes(of: sorted ? UInt8(1) : 0, toByteOffset: 6, as: UInt8.self)
        out.storeBytes(of: UInt8(0), toByteOffset: 7, as: UInt8.self)
        out.storeBytes(of: UInt32(length).littleEndian, toByteOffset: 8, as: UInt32.self)
        out.storeBytes(of: UInt64(bitPattern: position).littleEndian, toByteOffset: 12, as: UInt64.self)
        out.storeBytes(of: UInt64(bitPattern: previous).littleEndian, toByteOffset: 20, as: UInt64.self)
        for (at, bytes) in [(28, recordHash), (60, rulesDigest)] {
            for i in 0..<32 { out.storeBytes(of: i < bytes.count ? bytes[i] : 0, toByteOffset: at + i, as: UInt8.self) }
        }
        out.storeBytes(of: UInt32(entries).littleEndian, toByteOffset: 92, as: UInt32.self)
        out.storeBytes(of: UInt32(0), toByteOffset: 96, as: UInt32.self)
    }

    /// Encodes a block: `entries` gives (key, state's compact JSON text or nil) pairs; `sorted`: they
    /// are in key order, each key once.
    static func encode(full: Bool, sorted: Bool = false, position: Int64, previous: Int64, recordHash: [UInt8], rulesDigest: [UInt8],
                       entries: some Sequence<(String, [UInt8]?)>, into out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: magic)
        out.append(version)
        out.append(full ? 0 : 1)
        out.append(contentsOf: [sorted ? 1 : 0, 0])
        out.append(contentsOf: [0, 0, 0, 0])  // length, patched below
        RecordFormat.appendLE(UInt64(bitPattern: position), &out)
        RecordFormat.appendLE(UInt64(bitPattern: previous), &out)
        out.append(contentsOf: recordHash.count == 32 ? recordHash : [UInt8](repeating: 0, count: 32))
        out.append(contentsOf: rulesDigest)
        out.append(contentsOf: [0, 0, 0, 0])  // count, patched below
        out.append(contentsOf: [0, 0, 0, 0])
        var count: UInt32 = 0
        for (key, state) in entries {
            var key = key
            key.withUTF8 { k in
                withUnsafeBytes(of: UInt32(k.count).littleEndian) { out.append(contentsOf: $0) }
                out.append(contentsOf: k)
            }
            if let state {
                withUnsafeBytes(of: UInt32(state.count).littleEndian) { out.append(contentsOf: $0) }
                out.append(contentsOf: state)
            } else {
                RecordFormat.appendLE(absent, &out)
            }
            count += 1
        }
        let length = UInt32(out.count - start + 4)
        withUnsafeBytes(of: length.littleEndian) { for i in 0..<4 { out[start + 8 + i] = $0[i] } }
        withUnsafeBytes(of: count.littleEndian) { for i in 0..<4 { out[start + 92 + i] = $0[i] } }
        let crc = out.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        RecordFormat.appendLE(crc, &out)
    }
}

/// The blocks of one checkpoint file that can be trusted: a full block first, then deltas that each
/// chain to the one before, every one with a good CRC, the expected rules and a record hash that
/// matches the log. Reading stops at the first block that fails.
struct CheckpointChain {
    /// Where each trusted block starts in the file, and its header.
    var blocks: [(offset: Int, header: CheckpointFile.Header)] = []
    /// Bytes of the file the trusted blocks cover.
    var validLength = 0

    /// Checks the blocks of `file` (a whole checkpoint file's bytes) for a segment based at `base`.
    /// `recordHash(p)` gives the log's chain hash of record `p - 1` (nil when unreadable).
    ///
    /// With `checksums` false the blocks' CRCs are left for the caller to check (with
    /// ``checksumHolds(_:in:)``) before it uses a block's entries: a reader checks only the blocks it reads.
    static func read(_ file: UnsafeRawBufferPointer, base: Int64, logCount: Int64, rulesDigest: [UInt8], checksums: Bool = true,
                     recordHash: (Int64) -> [UInt8]?) -> CheckpointChain {
        var chain = CheckpointChain()
        var p = 0
        var last: Int64?
        while p < file.count {
            let rest = UnsafeRawBufferPointer(rebasing: file[p...])
            guard let h = CheckpointFile.header(rest), h.length <= rest.count else { break }
            guard h.rulesDigest == rulesDigest, h.position <= logCount else { break }
            if let last {
                guard !h.full, h.previous == last, h.position > last else { break }
            } else {
                guard h.full, h.position == base, h.previous == base else { break }
            }
            guard !checksums || CheckpointFile.checksumHolds(rest, length: h.length) else { break }
            let expected: [UInt8]? = h.position == 0 ? [UInt8](repeating: 0, count: 32) : recordHash(h.position)
            guard let expected, expected == h.recordHash else { break }
            chain.blocks.append((p, h))
            last = h.position
            p += h.length
            chain.validLength = p
        }
        return chain
    }

    /// Whether block `i`'s CRC holds.
    func checksumHolds(_ i: Int, in file: UnsafeRawBufferPointer) -> Bool {
        let (offset, header) = blocks[i]
        return CheckpointFile.checksumHolds(UnsafeRawBufferPointer(rebasing: file[offset...]), length: header.length)
    }

    /// The index of the block stored at `position`.
    func blockIndex(at position: Int64) -> Int? { blocks.lastIndex(where: { $0.header.position == position }) }

    /// The last trusted position at or before `end`.
    func position(atOrBefore end: Int64) -> Int64? {
        blocks.last(where: { $0.header.position <= end })?.header.position
    }

    /// Calls `body` with the entries that make the state at `position`, newest block first (so the first
    /// entry seen for a key is its state there).
    func forEachEntryNewestFirst(_ file: UnsafeRawBufferPointer, upTo position: Int64,
                                 _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Void) -> Bool {
        for (offset, header) in blocks.reversed() where header.position <= position {
            let block = UnsafeRawBufferPointer(rebasing: file[offset..<(offset + header.length)])
            guard CheckpointFile.forEachEntry(block, header, body) else { return false }
        }
        return true
    }
}
