#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writes to a file descriptor, counting the bytes written; errors name the destination.
final class ByteSink {
    let fd: Int32
    /// The destination's name in errors.
    let name: String
    private(set) var buffer: [UInt8] = []
    /// Bytes handed to the sink so far.
    private(set) var written: Int = 0
    private let capacity = 1 << 18

    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
        buffer.reserveCapacity(capacity + 4096)
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

    /// Writes out the buffer when it is full.
    @inline(__always) func flushIfFull() throws {
        if buffer.count >= capacity { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { raw in
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
        buffer.removeAll(keepingCapacity: true)
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
