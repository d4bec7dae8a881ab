#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writes to a file descriptor, counting the bytes written; errors name the destination.
///
/// A sink made `direct` writes a new file front to back with direct I/O where the system has it
/// (Linux `O_DIRECT`): whole 4 KiB blocks go from an aligned buffer to the disk without being copied
/// into the page cache, which on this machine costs more than making the rows (an export writes
/// hundreds of megabytes once and does not read them back). The last partial block, and anything
/// written after ``flush()``, goes through the page cache as usual. Where direct I/O is refused, the
/// sink quietly writes the ordinary way.
final class ByteSink {
    let fd: Int32
    /// The destination's name in errors.
    let name: String
    private(set) var buffer: [UInt8] = []
    /// Bytes handed to the sink so far.
    private(set) var written: Int = 0
    private let capacity: Int
    /// Direct I/O: on while the descriptor has `O_DIRECT` set, with its aligned staging buffer.
    private var direct = false
    private let staging = AlignedBuffer()
    private static let block = DirectIO.block

    init(fd: Int32, name: String, direct: Bool = false) {
        self.fd = fd
        self.name = name
        capacity = direct ? 1 << 20 : 1 << 18
        buffer.reserveCapacity(capacity + 4096)
        if direct { self.direct = DirectIO.set(fd, true) }
    }

    @inline(__always) func append(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        written += bytes.count
    }

    @inline(__always) func append(_ text: String) {
        let before = buffer.count
        buffer.append(contentsOf: text.utf8)
        written += buffer.count - before
    }

    @inline(__always) func append(_ byte: UInt8) {
        buffer.append(byte)
        written += 1
    }

    /// Appends through a closure that writes into the buffer directly.
    @inline(__always) func withBuffer(_ body: (inout [UInt8]) -> Void) {
        let before = buffer.count
        body(&buffer)
        written += buffer.count - before
    }

    /// Writes out the buffer when it is full (direct: its whole blocks, keeping the partial last one).
    @inline(__always) func flushIfFull() throws {
        guard buffer.count >= capacity else { return }
        if direct {
            try writeWholeBlocks()
        } else {
            try flush()
        }
    }

    /// Writes out everything buffered. Direct I/O ends here: what follows goes through the page cache.
    func flush() throws {
        if direct {
            try writeWholeBlocks()
            stopDirect()
        }
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ raw: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < raw.count {
            let n = Glibc.write(fd, raw.baseAddress?.advanced(by: done), raw.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw RawFile.ioError("cannot write \(name)", errno)
            }
            done += n
        }
    }

    /// Direct I/O: copies the buffer's whole blocks to the aligned staging buffer and writes them; the
    /// rest stays buffered. The file position stays a multiple of the block size. Where the file system
    /// refuses the write (EINVAL), direct I/O is turned off and the blocks are written the ordinary way.
    private func writeWholeBlocks() throws {
        let count = buffer.count - buffer.count % ByteSink.block
        guard count > 0 else { return }
        guard staging.reserve(count), let staging = staging.pointer else {
            stopDirect()
            return
        }
        buffer.withUnsafeBytes { raw in if let base = raw.baseAddress { staging.copyMemory(from: base, byteCount: count) } }
        let done = try DirectIO.writeBlocks(fd, staging, count: count, at: nil, unit: ByteSink.block, name: name)
        if done < count {
            // Refused, or cut short off a block boundary: the rest (and what follows) the ordinary way.
            stopDirect()
            try writeAll(UnsafeRawBufferPointer(start: staging + done, count: count - done))
        }
        buffer.removeSubrange(0..<count)
    }

    /// Ends direct I/O: what follows goes through the page cache.
    private func stopDirect() {
        direct = false
        _ = DirectIO.set(fd, false)
    }

    /// Overwrites `bytes` at the absolute file position `position` (only for seekable files).
    func overwrite(_ bytes: [UInt8], at position: Int) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = pwrite(fd, raw.baseAddress?.advanced(by: done), raw.count - done, off_t(position + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RawFile.ioError("cannot write \(name)", errno)
                }
                done += n
            }
        }
    }

    /// The descriptor's current file position, when it is a regular file that can be written at any
    /// position (not opened for appending); nil for pipes, terminals and append-only files.
    static func seekablePosition(_ fd: Int32) -> Int? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, flags & O_APPEND == 0 else { return nil }
        let position = lseek(fd, 0, SEEK_CUR)
        return position >= 0 ? Int(position) : nil
    }
}
