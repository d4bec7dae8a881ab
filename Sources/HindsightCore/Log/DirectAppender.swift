#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends to a file that is written front to back once and read back only in small parts, with
/// direct I/O for the whole pages of each append: a segment's records (an import writes gigabytes; a
/// reader reads a few records, a key's history, a stretch after a checkpoint) and its checkpoint
/// blocks (tens of megabytes per segment, of which a reader reads a few blocks).
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
        try bytes.withUnsafeBytes { try append($0) }
    }

    func append(_ raw: UnsafeRawBufferPointer) throws {
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
            let written = try DirectIO.writeBlocks(fd, buffer, count: count, at: size + done, unit: page, name: file.path)
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

    func sync() throws { try file.sync() }

    private func stopDirect() {
        if let fd = directFD { close(fd) }
        directFD = nil
    }
}
