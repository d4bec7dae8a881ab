#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Direct I/O (Linux `O_DIRECT`): whole 4 KiB blocks written from an aligned buffer go to the disk
/// without being copied into the page cache. On this project's machines, copying into freshly
/// allocated page-cache pages is the largest single cost of writing a file that is written once and
/// seldom read back (measured: a buffered 4 GB write took 5-14 s of system time, a direct one 1.6 s).
/// Elsewhere (other systems, file systems that refuse it) callers fall back to ordinary writes.
enum DirectIO {
    static let block = 4096

    /// `O_DIRECT` (Swift's Glibc leaves it out: it needs `_GNU_SOURCE`); nil where it is not known.
    static var flag: Int32? {
        #if os(Linux) && (arch(x86_64) || arch(i386))
        return 0o40000
        #elseif os(Linux) && (arch(arm64) || arch(arm))
        return 0o200000
        #else
        return nil
        #endif
    }

    /// Sets or clears `O_DIRECT` on a descriptor; true when it is now set.
    static func set(_ fd: Int32, _ on: Bool) -> Bool {
        guard let flag else { return false }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else { return false }
        return fcntl(fd, F_SETFL, on ? flags | flag : flags & ~flag) == 0 && on
    }

    /// A second, write-only descriptor of an existing file with `O_DIRECT` set; nil where it cannot be had.
    static func openForWriting(_ path: String) -> Int32? {
        guard let flag else { return nil }
        let fd = open(path, O_WRONLY | O_CLOEXEC | flag)
        return fd >= 0 ? fd : nil
    }
}

/// A page-aligned buffer for direct I/O that grows as needed (its bytes are not kept when it grows).
final class AlignedBuffer {
    private(set) var pointer: UnsafeMutableRawPointer?
    private(set) var capacity = 0

    init() {}

    deinit { free(pointer) }

    /// Makes room for `count` bytes; false when the memory cannot be had.
    func reserve(_ count: Int) -> Bool {
        guard count > capacity else { return pointer != nil || count == 0 }
        free(pointer)
        pointer = nil
        capacity = 0
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, DirectIO.block, count) == 0, let p else { return false }
        pointer = p
        capacity = count
        return true
    }
}

/// Appends to a file that is written front to back once and seldom read back (a segment's checkpoint
/// blocks: tens of megabytes per segment, of which a reader reads a few blocks), with direct I/O for
/// its whole 4 KiB blocks.
///
/// After every ``append(_:)`` the file holds all the bytes appended, as with ordinary writes: the last
/// partial block is written the ordinary way and kept in memory, and the next append writes it again,
/// whole, with direct I/O (the system writes back and drops the cached page first). Where direct I/O
/// is refused, every byte is written the ordinary way. ``sync()`` makes all of it durable.
final class DirectAppender {
    let file: RawFile
    /// The file's size: every byte appended is in it.
    private(set) var size: Int
    /// A second descriptor with `O_DIRECT`, or nil (ordinary writes only).
    private var directFD: Int32?
    /// The bytes of the file's last partial block (`size % block` of them) while direct I/O is on.
    private var tail: [UInt8] = []
    private let staging = AlignedBuffer()

    /// Appends at `size` (the file's current size) to `file`, opened for writing.
    init(file: RawFile, size: Int, direct: Bool = true) throws {
        self.file = file
        self.size = size
        guard direct, let fd = DirectIO.openForWriting(file.path) else { return }
        directFD = fd
        let start = size - size % DirectIO.block
        if start < size {
            tail = try file.read(start..<size)
            if tail.count != size - start { stopDirect() }
        }
    }

    deinit { stopDirect() }

    /// Whether whole blocks still go with direct I/O (for tests).
    var isDirect: Bool { directFD != nil }

    func append(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        if let fd = directFD, try appendDirect(bytes, fd) { return }
        try file.write(bytes, at: size)
        size += bytes.count
    }

    /// Writes the old tail and `bytes` as whole blocks with direct I/O and the rest the ordinary way;
    /// false (nothing written) when direct I/O is refused, which ends it.
    private func appendDirect(_ bytes: [UInt8], _ fd: Int32) throws -> Bool {
        let start = size - tail.count
        let total = tail.count + bytes.count
        let whole = total - total % DirectIO.block
        guard whole > 0 else {
            // Still inside the last partial block.
            try file.write(bytes, at: size)
            tail.append(contentsOf: bytes)
            size += bytes.count
            return true
        }
        guard staging.reserve(whole), let buffer = staging.pointer else {
            stopDirect()
            return false
        }
        let fromBytes = whole - tail.count  // bytes that go into the whole blocks
        tail.withUnsafeBytes { if let b = $0.baseAddress { buffer.copyMemory(from: b, byteCount: $0.count) } }
        bytes.withUnsafeBytes { if let b = $0.baseAddress { (buffer + tail.count).copyMemory(from: b, byteCount: fromBytes) } }
        var done = 0
        while done < whole {
            let n = pwrite(fd, buffer + done, whole - done, off_t(start + done))
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL {
                    // Not for this file system after all: the rest the ordinary way.
                    stopDirect()
                    try file.write(UnsafeRawBufferPointer(start: buffer + done, count: whole - done), at: start + done)
                    break
                }
                throw RawFile.ioError("cannot write \(file.path)", errno)
            }
            done += n
            if done < whole && done % DirectIO.block != 0 {
                // A short write off a block boundary: finish without direct I/O.
                stopDirect()
                try file.write(UnsafeRawBufferPointer(start: buffer + done, count: whole - done), at: start + done)
                break
            }
        }
        let rest = bytes[fromBytes...]
        if !rest.isEmpty {
            try rest.withUnsafeBytes { try file.write($0, at: start + whole) }
        }
        tail = directFD == nil ? [] : Array(rest)
        size += bytes.count
        return true
    }

    func sync() throws { try file.sync() }

    private func stopDirect() {
        if let fd = directFD { close(fd) }
        directFD = nil
        tail = []
    }
}
