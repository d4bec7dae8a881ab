/// Writes bytes through a pointer into room set aside at the end of a byte array
/// (``Swift/Array/append(atMost:_:)``): one capacity and uniqueness check for a whole row instead of
/// one per `append`. The audit export writes a million rows this way. Every write is bounds-checked
/// against the room, so a wrong bound stops the program instead of writing past it.
struct ByteCursor {
    private(set) var position: UnsafeMutablePointer<UInt8>
    private let end: UnsafeMutablePointer<UInt8>

    fileprivate init(_ start: UnsafeMutablePointer<UInt8>, room: Int) {
        position = start
        end = start + room
    }

    @inline(__always)
    mutating func put(_ b: UInt8) {
        precondition(position < end, "ByteCursor: the row is longer than the room set aside for it")
        position.pointee = b
        position += 1
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(bytes.count <= end - position, "ByteCursor: the row is longer than the room set aside for it")
        UnsafeMutableRawPointer(position).copyMemory(from: base, byteCount: bytes.count)
        position += bytes.count
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) { put(UnsafeRawBufferPointer(bytes)) }

    @inline(__always)
    mutating func put(_ s: StaticString) {
        put(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Decimal digits of `v`.
    @inline(__always)
    mutating func put(decimal v: Int64) {
        if v >= 0 && v < 10 {
            put(UInt8(ascii: "0") + UInt8(v))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for "-9223372036854775808"
        var n = v.magnitude
        withUnsafeMutableBytes(of: &digits) { raw in
            var i = raw.count
            while n > 0 {
                i -= 1
                raw[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            }
            if v < 0 {
                i -= 1
                raw[i] = UInt8(ascii: "-")
            }
            put(UnsafeRawBufferPointer(rebasing: raw[i...]))
        }
    }

    /// Lower-case hex digits of each byte.
    @inline(__always)
    mutating func put(hex bytes: UnsafeRawBufferPointer) {
        precondition(2 * bytes.count <= end - position, "ByteCursor: the row is longer than the room set aside for it")
        for b in bytes {
            let hi = b >> 4, lo = b & 0xF
            position[0] = hi < 10 ? 0x30 + hi : 0x57 + hi
            position[1] = lo < 10 ? 0x30 + lo : 0x57 + lo
            position += 2
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends what `body` writes through a cursor, which has room for `bound` bytes.
    @inline(__always)
    mutating func append(atMost bound: Int, _ body: (inout ByteCursor) -> Void) {
        let start = count
        // The room, filled from a page of zeros (one copy; `repeatElement` appends byte by byte).
        var left = bound
        while left > 0 {
            let n = Swift.min(left, zeroPage.count)
            append(contentsOf: UnsafeRawBufferPointer(rebasing: zeroPage[0..<n]))
            left -= n
        }
        var written = 0
        withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var cursor = ByteCursor(base + start, room: bound)
            body(&cursor)
            written = cursor.position - (base + start)
        }
        removeLast(bound - written)
    }
}

/// Zeros that ``Swift/Array/append(atMost:_:)`` copies to make room: never written.
nonisolated(unsafe) private let zeroPage = UnsafeRawBufferPointer(UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 64).initializeMemory(as: UInt8.self, repeating: 0))
