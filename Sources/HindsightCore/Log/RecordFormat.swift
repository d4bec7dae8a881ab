#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif


/// The on-disk framing of one record (documented byte for byte in docs/FORMAT.md).
///
/// ```
/// 0   u32  length   bytes after this field (crc .. hash)
/// 4   u32  crc      CRC-32 (IEEE, zlib) of bytes 8 ..< 4+length
/// 8   u8   version  record format version (1)
/// 9   u8   flags    0
/// 10  u16  idLen    12 u16 keyLen   14 u16 typeLen
/// 16  i64  offset   24 i64 logTime (µs)   32 i64 eventTime (µs)
/// 40  u32  metaLen  44 u32 payloadLen
/// 48  id, key, type, meta, payload bytes
/// end-32  [32] chain hash = SHA256(previous hash || bytes 8 ..< end-32)
/// ```
/// All integers are little-endian.
public enum RecordFormat {
    /// The record format version this build writes and reads.
    public static let version: UInt8 = 1
    static let headerSize = 48
    static let hashSize = 32
    static let minimumRecordSize = headerSize + hashSize
    /// The largest record this build writes or accepts (the payload is most of it).
    public static let maxRecordSize = 512 << 20
    /// The longest id, key or type in bytes.
    public static let maxFieldLength = 65_535

    /// The size of a framed record with these field lengths.
    @inline(__always)
    static func size(idCount: Int, keyCount: Int, typeCount: Int, metaCount: Int, payloadCount: Int) -> Int {
        minimumRecordSize + idCount + keyCount + typeCount + metaCount + payloadCount
    }

    /// Writes the header and fields of one record at `out` (which has room for `size(...)` bytes); the
    /// chain hash and the checksum are filled in by ``seal(_:size:previous:)``, so that hashing can
    /// run apart from encoding.
    @inline(__always)
    static func encodeBody(at out: UnsafeMutableRawPointer, offset: Int64, logTime: Int64, eventTime: Int64,
                           id: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, type: UnsafeRawBufferPointer,
                           meta: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        let total = size(idCount: id.count, keyCount: key.count, typeCount: type.count, metaCount: meta.count, payloadCount: payload.count)
        out.storeBytes(of: UInt32(total - 4).littleEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: UInt32(0), toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: version, toByteOffset: 8, as: UInt8.self)
        out.storeBytes(of: UInt8(0), toByteOffset: 9, as: UInt8.self)
        out.storeBytes(of: UInt16(id.count).littleEndian, toByteOffset: 10, as: UInt16.self)
        out.storeBytes(of: UInt16(key.count).littleEndian, toByteOffset: 12, as: UInt16.self)
        out.storeBytes(of: UInt16(type.count).littleEndian, toByteOffset: 14, as: UInt16.self)
        out.storeBytes(of: UInt64(bitPattern: offset).littleEndian, toByteOffset: 16, as: UInt64.self)
        out.storeBytes(of: UInt64(bitPattern: logTime).littleEndian, toByteOffset: 24, as: UInt64.self)
        out.storeBytes(of: UInt64(bitPattern: eventTime).littleEndian, toByteOffset: 32, as: UInt64.self)
        out.storeBytes(of: UInt32(meta.count).littleEndian, toByteOffset: 40, as: UInt32.self)
        out.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 44, as: UInt32.self)
        var p = headerSize
        @inline(__always) func put(_ field: UnsafeRawBufferPointer) {
            if let base = field.baseAddress, field.count > 0 { (out + p).copyMemory(from: base, byteCount: field.count) }
            p += field.count
        }
        put(id)
        put(key)
        put(type)
        put(meta)
        put(payload)
    }

    /// Fills in the chain hash (from the 32-byte `previous` hash) and the checksum of a record written
    /// by ``encodeBody``; the record's hash is then its last 32 bytes. The checksum covers the body
    /// and the hash in one pass (one fold, not a fold and a table walk over the hash).
    @inline(__always)
    static func seal(_ record: UnsafeMutableRawPointer, size: Int, previous: UnsafeRawPointer) {
        let hashAt = record + (size - hashSize)
        ChainHashing.hash(previous: previous, body: UnsafeRawBufferPointer(start: record + 8, count: size - 8 - hashSize), into: hashAt)
        let crc = CRC32.checksum(UnsafeRawBufferPointer(start: UnsafeRawPointer(record + 8), count: size - 8))
        record.storeBytes(of: crc.littleEndian, toByteOffset: 4, as: UInt32.self)
    }

    /// Appends one framed record to `out` and returns its chain hash.
    static func encode(offset: Int64, logTime: Timestamp, eventTime: Timestamp, id: String, key: String, type: String,
                       meta: [UInt8], payload: UnsafeRawBufferPointer, previous: ChainHash, into out: inout [UInt8]) -> ChainHash {
        var id = id, key = key, type = type
        let start = out.count
        let total = size(idCount: id.utf8.count, keyCount: key.utf8.count, typeCount: type.utf8.count, metaCount: meta.count, payloadCount: payload.count)
        out.append(contentsOf: repeatElement(0, count: total))
        return out.withUnsafeMutableBytes { raw -> ChainHash in
            guard let base = raw.baseAddress else { return previous }
            let at = base + start
            id.withUTF8 { i in
                key.withUTF8 { k in
                    type.withUTF8 { t in
                        meta.withUnsafeBytes { m in
                            encodeBody(at: at, offset: offset, logTime: logTime.microseconds, eventTime: eventTime.microseconds,
                                       id: UnsafeRawBufferPointer(i), key: UnsafeRawBufferPointer(k), type: UnsafeRawBufferPointer(t),
                                       meta: m, payload: payload)
                        }
                    }
                }
            }
            previous.bytes.withUnsafeBytes { p in
                if let pb = p.baseAddress { seal(at, size: total, previous: pb) }
            }
            return ChainHash(bytes: [UInt8](UnsafeRawBufferPointer(start: at + (total - hashSize), count: hashSize)))
        }
    }

    /// `SHA256(previous || body)`.
    static func chainHash(previous: ChainHash, body: UnsafeRawBufferPointer) -> ChainHash {
        ChainHashing.hash(previous: previous, body: body)
    }

    /// CRC-32 (IEEE) as zlib computes it.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        CRC32.checksum(bytes)
    }

    @inline(__always) static func appendLE<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    /// What decoding the bytes at a position found.
    enum Decoded {
        /// A whole, valid record of `size` bytes.
        case record(Record, size: Int)
        /// The buffer ends inside a record that needs `size` bytes in all (a torn tail when the file ends here).
        case incomplete(size: Int)
        /// The bytes are not a valid record.
        case corrupt(String)
        /// A record written by a newer format version.
        case newerVersion(UInt8)
    }

    /// The total size of the record at the start of `buffer`, if its length field is readable and plausible.
    static func frameSize(_ buffer: UnsafeRawBufferPointer) -> Int? {
        guard buffer.count >= 4 else { return nil }
        let length = Int(UInt32(littleEndian: buffer.loadUnaligned(as: UInt32.self)))
        guard length >= minimumRecordSize - 4, length <= maxRecordSize else { return nil }
        return length + 4
    }

    /// What decoding the bytes at a position found, without copying the record.
    enum DecodedView {
        case record(RecordView)
        case incomplete(size: Int)
        case corrupt(String)
        case newerVersion(UInt8)
    }

    /// Decodes and checks the record at the start of `buffer`.
    /// - Parameters:
    ///   - expectedOffset: the offset the record must carry.
    ///   - verifyChecksum: whether to check the CRC (readers always do; a scan that only needs framing may not).
    static func decode(_ buffer: UnsafeRawBufferPointer, expectedOffset: Int64?, verifyChecksum: Bool = true) -> Decoded {
        switch decodeView(buffer, expectedOffset: expectedOffset, verifyChecksum: verifyChecksum) {
        case .record(let view): return .record(view.record(), size: view.size)
        case .incomplete(let size): return .incomplete(size: size)
        case .corrupt(let reason): return .corrupt(reason)
        case .newerVersion(let v): return .newerVersion(v)
        }
    }

    /// Decodes and checks the record at the start of `buffer`, giving a view into the buffer.
    @inline(__always)
    static func decodeView(_ buffer: UnsafeRawBufferPointer, expectedOffset: Int64?, verifyChecksum: Bool = true) -> DecodedView {
        guard buffer.count >= 4 else { return .incomplete(size: minimumRecordSize) }
        let length = Int(UInt32(littleEndian: buffer.loadUnaligned(as: UInt32.self)))
        if length == 0 { return .corrupt("zero length (unwritten space)") }
        guard length >= minimumRecordSize - 4 else { return .corrupt("length \(length) is too small for a record") }
        guard length <= maxRecordSize else { return .corrupt("length \(length) is larger than the largest record") }
        let size = length + 4
        guard buffer.count >= size else { return .incomplete(size: size) }
        let record = UnsafeRawBufferPointer(rebasing: buffer[0..<size])
        if verifyChecksum {
            let stored = UInt32(littleEndian: record.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: record[8..<size])) == stored else { return .corrupt("checksum mismatch") }
        }
        let v = record[8]
        if v > version { return .newerVersion(v) }
        guard v == version else { return .corrupt("unknown record version \(v)") }
        let view = RecordView(record)
        guard headerSize + view.idCount + view.keyCount + view.typeCount + view.metaCount + view.payloadCount + hashSize == size else {
            return .corrupt("field lengths do not add up to the record length")
        }
        if let expectedOffset, view.offset != expectedOffset {
            return .corrupt("record carries offset \(view.offset), expected \(expectedOffset)")
        }
        return .record(view)
    }

    /// The chain hash stored in a whole record (the last 32 bytes).
    static func storedHash(_ record: UnsafeRawBufferPointer) -> ChainHash {
        ChainHash(bytes: [UInt8](UnsafeRawBufferPointer(rebasing: record[(record.count - hashSize)...])))
    }

    /// The bytes the chain hash covers (version .. payload).
    static func hashedBody(_ record: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: record[8..<(record.count - hashSize)])
    }
}

/// One whole, checked record inside a buffer: its fields read in place, without copies.
/// Valid only while the buffer is (inside the closure that lent it).
struct RecordView {
    /// The record's bytes, from its length field to the end of its hash.
    let bytes: UnsafeRawBufferPointer
    let idCount: Int
    let keyCount: Int
    let typeCount: Int
    let metaCount: Int
    let payloadCount: Int

    @inline(__always)
    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        idCount = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 10, as: UInt16.self)))
        keyCount = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt16.self)))
        typeCount = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 14, as: UInt16.self)))
        metaCount = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 40, as: UInt32.self)))
        payloadCount = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 44, as: UInt32.self)))
    }

    /// The record's total size in bytes.
    var size: Int { bytes.count }
    var offset: Int64 { Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: Int64.self)) }
    var logTime: Int64 { Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: Int64.self)) }
    var eventTime: Int64 { Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 32, as: Int64.self)) }

    @inline(__always) private func field(_ start: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)])
    }

    var id: UnsafeRawBufferPointer { field(RecordFormat.headerSize, idCount) }
    var key: UnsafeRawBufferPointer { field(RecordFormat.headerSize + idCount, keyCount) }
    var type: UnsafeRawBufferPointer { field(RecordFormat.headerSize + idCount + keyCount, typeCount) }
    var meta: UnsafeRawBufferPointer { field(RecordFormat.headerSize + idCount + keyCount + typeCount, metaCount) }
    var payload: UnsafeRawBufferPointer { field(RecordFormat.headerSize + idCount + keyCount + typeCount + metaCount, payloadCount) }
    /// The chain hash: the last 32 bytes.
    var hash: UnsafeRawBufferPointer { field(bytes.count - RecordFormat.hashSize, RecordFormat.hashSize) }

    var keyString: String { String(decoding: key, as: UTF8.self) }
    var typeString: String { String(decoding: type, as: UTF8.self) }
    var idString: String { String(decoding: id, as: UTF8.self) }

    /// Whether the key's bytes equal `utf8`.
    @inline(__always)
    func keyEquals(_ utf8: UnsafeRawBufferPointer) -> Bool {
        guard keyCount == utf8.count else { return false }
        guard let a = key.baseAddress, let b = utf8.baseAddress else { return keyCount == 0 }
        return memcmp(a, b, keyCount) == 0
    }

    /// Whether the id's bytes equal `utf8`.
    @inline(__always)
    func idEquals(_ utf8: UnsafeRawBufferPointer) -> Bool {
        guard idCount == utf8.count else { return false }
        guard let a = id.baseAddress, let b = utf8.baseAddress else { return idCount == 0 }
        return memcmp(a, b, idCount) == 0
    }

    /// A `Record` with copies of the fields.
    func record() -> Record {
        Record(offset: offset, logTime: Timestamp(microseconds: logTime), eventTime: Timestamp(microseconds: eventTime),
               id: idString, key: keyString, type: typeString, meta: [UInt8](meta), payload: [UInt8](payload),
               hash: ChainHash(bytes: [UInt8](hash)))
    }
}
