import Crypto
import CZlib

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

    /// Appends one framed record to `out` and returns its chain hash.
    static func encode(offset: Int64, logTime: Timestamp, eventTime: Timestamp, id: String, key: String, type: String,
                       meta: [UInt8], payload: UnsafeRawBufferPointer, previous: ChainHash, into out: inout [UInt8]) -> ChainHash {
        let start = out.count
        let idBytes = id.utf8, keyBytes = key.utf8, typeBytes = type.utf8
        let bodyLength = headerSize - 8 + idBytes.count + keyBytes.count + typeBytes.count + meta.count + payload.count
        let length = 4 + bodyLength + hashSize
        appendLE(UInt32(length), &out)
        appendLE(UInt32(0), &out)  // crc, patched below
        out.append(version)
        out.append(0)
        appendLE(UInt16(idBytes.count), &out)
        appendLE(UInt16(keyBytes.count), &out)
        appendLE(UInt16(typeBytes.count), &out)
        appendLE(UInt64(bitPattern: offset), &out)
        appendLE(UInt64(bitPattern: logTime.microseconds), &out)
        appendLE(UInt64(bitPattern: eventTime.microseconds), &out)
        appendLE(UInt32(meta.count), &out)
        appendLE(UInt32(payload.count), &out)
        out.append(contentsOf: idBytes)
        out.append(contentsOf: keyBytes)
        out.append(contentsOf: typeBytes)
        out.append(contentsOf: meta)
        out.append(contentsOf: payload)
        let hash: ChainHash = out.withUnsafeBytes { raw in
            chainHash(previous: previous, body: UnsafeRawBufferPointer(rebasing: raw[(start + 8)...]))
        }
        out.append(contentsOf: hash.bytes)
        let crc: UInt32 = out.withUnsafeBytes { raw in checksum(UnsafeRawBufferPointer(rebasing: raw[(start + 8)...])) }
        withUnsafeBytes(of: crc.littleEndian) { crcBytes in
            for i in 0..<4 { out[start + 4 + i] = crcBytes[i] }
        }
        return hash
    }

    /// `SHA256(previous || body)`.
    static func chainHash(previous: ChainHash, body: UnsafeRawBufferPointer) -> ChainHash {
        var hasher = SHA256()
        hasher.update(data: previous.bytes)
        hasher.update(bufferPointer: body)
        return ChainHash(bytes: Array(hasher.finalize()))
    }

    /// CRC-32 (IEEE) as zlib computes it.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        var crc: UInt = 0
        var p = base.assumingMemoryBound(to: UInt8.self)
        var remaining = bytes.count
        while remaining > 0 {
            let n = min(remaining, 1 << 30)
            crc = CZlib.crc32(crc, p, UInt32(n))
            p += n
            remaining -= n
        }
        return UInt32(truncatingIfNeeded: crc)
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

    /// Decodes and checks the record at the start of `buffer`.
    /// - Parameters:
    ///   - expectedOffset: the offset the record must carry.
    ///   - verifyChecksum: whether to check the CRC (readers always do; a scan that only needs framing may not).
    static func decode(_ buffer: UnsafeRawBufferPointer, expectedOffset: Int64?, verifyChecksum: Bool = true) -> Decoded {
        guard buffer.count >= 4 else { return .incomplete(size: minimumRecordSize) }
        let length = Int(UInt32(littleEndian: buffer.loadUnaligned(as: UInt32.self)))
        if length == 0 { return .corrupt("zero length (unwritten space)") }
        guard length >= minimumRecordSize - 4 else { return .corrupt("length \(length) is too small for a record") }
        guard length <= maxRecordSize else { return .corrupt("length \(length) is larger than the largest record") }
        let size = length + 4
        guard buffer.count >= size else { return .incomplete(size: size) }
        let stored = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let v = buffer[8]
        if verifyChecksum {
            let crc = checksum(UnsafeRawBufferPointer(rebasing: buffer[8..<size]))
            guard crc == stored else { return .corrupt("checksum mismatch") }
        }
        if v > version { return .newerVersion(v) }
        guard v == version else { return .corrupt("unknown record version \(v)") }
        let idLen = Int(UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: 10, as: UInt16.self)))
        let keyLen = Int(UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: 12, as: UInt16.self)))
        let typeLen = Int(UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: 14, as: UInt16.self)))
        let offset = Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: 16, as: Int64.self))
        let logTime = Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: 24, as: Int64.self))
        let eventTime = Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: 32, as: Int64.self))
        let metaLen = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 40, as: UInt32.self)))
        let payloadLen = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 44, as: UInt32.self)))
        guard headerSize + idLen + keyLen + typeLen + metaLen + payloadLen + hashSize == size else {
            return .corrupt("field lengths do not add up to the record length")
        }
        if let expectedOffset, offset != expectedOffset {
            return .corrupt("record carries offset \(offset), expected \(expectedOffset)")
        }
        var p = headerSize
        func string(_ n: Int) -> String {
            defer { p += n }
            return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[p..<(p + n)]), as: UTF8.self)
        }
        let id = string(idLen)
        let key = string(keyLen)
        let type = string(typeLen)
        let meta = [UInt8](UnsafeRawBufferPointer(rebasing: buffer[p..<(p + metaLen)]))
        p += metaLen
        let payload = [UInt8](UnsafeRawBufferPointer(rebasing: buffer[p..<(p + payloadLen)]))
        p += payloadLen
        let hash = ChainHash(bytes: [UInt8](UnsafeRawBufferPointer(rebasing: buffer[p..<(p + hashSize)])))
        let record = Record(offset: offset, logTime: Timestamp(microseconds: logTime), eventTime: Timestamp(microseconds: eventTime),
                            id: id, key: key, type: type, meta: meta, payload: payload, hash: hash)
        return .record(record, size: size)
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
