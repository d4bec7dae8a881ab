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
/// the whole pages of each append.
///
/// No page is written both ways: each append writes the ordinary way up to the next page boundary
/// (finishing the page the last append left partial), then its whole pages with direct I/O, then its
/// last partial page the ordinary way again. So after every ``append(_:)`` the file holds all the
/// bytes appended, as with ordinary writes, and a page the page cache holds (a reader's mapping of
/// the file's end) is never written behind its back. Where direct I/O is refused, every byte is
/// written the ordinary way. ``sync()`` makes all of it durable.
final class DirectAppender {
    let file: RawFile
    /// The file's size: every byte appended is in it.
    private(set) var size: Int
    /// A second descriptor with `O_DIRECT`, or nil (ordinary writes only).
    private var directFD: Int32?
    private let staging = AlignedBuffer()
    /// Direct writes go in pieces of at most this many bytes (the staging buffer's size).
    private static let piece = 1 << 20
    /// The boundary direct writes start and end on: a page (at least 4 KiB, the usual logical block).
    private static let page: Int = {
        let system = Int(sysconf(Int32(_SC_PAGESIZE)))
        return max(DirectIO.block, system > 0 ? system : 0)
    }()

    /// Appends at `size` (the file's current size) to `file`, opened for writing.
    init(file: RawFile, size: Int, direct: Bool = true) {
        self.file = file
        self.size = size
        if direct { directFD = DirectIO.openForWriting(file.path) }
    }

    deinit { stopDirect() }

    /// Whether whole pages still go with direct I/O (for tests).
    var isDirect: Bool { directFD != nil }

    func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, !raw.isEmpty else { return }
            let page = DirectAppender.page
            // Up to the next page boundary, the ordinary way.
            let head = min(raw.count, (page - size % page) % page)
            if head > 0 { try file.write(UnsafeRawBufferPointer(start: base, count: head), at: size) }
            var done = head
            // Whole pages with direct I/O, a piece at a time through the aligned buffer.
            while let fd = directFD, raw.count - done >= page {
                let count = min(DirectAppender.piece, (raw.count - done) / page * page)
                guard staging.reserve(DirectAppender.piece), let buffer = staging.pointer else {
                    stopDirect()
                    break
                }
                buffer.copyMemory(from: base + done, byteCount: count)
                var written = 0
                while written < count {
                    let n = pwrite(fd, buffer + written, count - written, off_t(size + done + written))
                    if n < 0 {
                        if errno == EINTR { continue }
                        if errno == EINVAL { break }  // not for this file system after all
                        throw RawFile.ioError("cannot write \(file.path)", errno)
                    }
                    written += n
                    if written % page != 0 { break }  // a short write off a page boundary
                }
                done += written
                if written < count {
                    // Direct I/O refused or cut short: the rest the ordinary way.
                    stopDirect()
                }
            }
            // The rest (the last partial page, or everything once direct I/O is off), the ordinary way.
            if done < raw.count {
                try file.write(UnsafeRawBufferPointer(start: base + done, count: raw.count - done), at: size + done)
            }
            size += raw.count
        }
    }

    func sync() throws { try file.sync() }

    private func stopDirect() {
        if let fd = directFD { close(fd) }
        directFD = nil
    }
}
