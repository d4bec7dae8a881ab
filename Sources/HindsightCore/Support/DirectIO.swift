#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Direct I/O (Linux `O_DIRECT`): whole 4 KiB blocks written from an aligned buffer go to the disk
/// without being copied into the page cache. On this project's machines, copying into freshly
/// allocated page-cache pages is the largest single cost of writing a file that is written once and
/// seldom read back (measured with `dd`: a buffered 4 GB write to a new file took 5-14 s of system
/// time, a direct 2 GB one 1.6 s in all). Elsewhere (other systems, file systems that refuse it)
/// callers fall back to ordinary writes. Used by ``ByteSink`` (exports) and ``DirectAppender``
/// (segment records and checkpoint files).
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

    /// Writes `count` bytes from an aligned buffer on an `O_DIRECT` descriptor, at `offset` (nil: at
    /// the descriptor's position); `count` is a multiple of `unit`. Returns the bytes written: fewer
    /// when the file system refuses direct I/O (EINVAL) or a write stops off a `unit` boundary; the
    /// caller then writes the rest the ordinary way and stops using direct I/O.
    static func writeBlocks(_ fd: Int32, _ buffer: UnsafeRawPointer, count: Int, at offset: Int?, unit: Int, name: String) throws -> Int {
        var done = 0
        while done < count {
            let n = offset.map { pwrite(fd, buffer + done, count - done, off_t($0 + done)) } ?? write(fd, buffer + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL { break }  // not for this file system after all
                throw RawFile.ioError("cannot write \(name)", errno)
            }
            done += n
            if n == 0 || done % unit != 0 { break }  // a short write off a boundary
        }
        return done
    }

    /// A second, write-only descriptor of an existing file with `O_DIRECT` set; nil where it cannot be had.
    static func openForWriting(_ path: String) -> Int32? {
        guard let flag else { return nil }
        let fd = open(path, O_WRONLY | O_CLOEXEC | flag)
        return fd >= 0 ? fd : nil
    }
}

/// A page-aligned buffer for direct I/O that grows as needed (its bytes are not kept when it grows).
/// It grows by at least a quarter at a time: a buffer kept for blocks that each come out a little
/// larger than the last (a checkpoint's states grow) would otherwise take fresh memory for every one.
final class AlignedBuffer {
    private(set) var pointer: UnsafeMutableRawPointer?
    private(set) var capacity = 0

    init() {}

    deinit { free(pointer) }

    /// Makes room for `count` bytes; false when the memory cannot be had.
    func reserve(_ count: Int) -> Bool {
        guard count > capacity else { return pointer != nil || count == 0 }
        let first = capacity == 0
        free(pointer)
        pointer = nil
        capacity = 0
        // The first size as asked (a staging buffer's fixed piece); later ones with room to grow.
        let size = first ? count : max(count, count + count / 4)
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, DirectIO.block, size) == 0, let p else { return false }
        pointer = p
        capacity = size
        return true
    }
}
