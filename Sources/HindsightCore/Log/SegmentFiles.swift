#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file names of one segment, all named by its base offset (`%020d`).
struct SegmentFiles: Sendable {
    let directory: String
    let base: Int64

    static func name(_ base: Int64) -> String {
        let digits = String(base)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    var stem: String { directory + "/" + SegmentFiles.name(base) }
    var log: String { stem + ".log" }
    var offsetIndex: String { stem + ".index" }
    var timeIndex: String { stem + ".timeindex" }
    var keys: String { stem + ".keys" }
    var ids: String { stem + ".ids" }

    /// Base offsets of the segments in a log directory, ascending.
    static func list(directory: String) throws -> [Int64] {
        var bases: [Int64] = []
        for name in try FileSystem.list(directory) where name.hasSuffix(".log") {
            let stem = name.dropLast(4)
            guard stem.count == 20, stem.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let base = Int64(stem) else { continue }
            bases.append(base)
        }
        return bases.sorted()
    }
}

/// Reads whole records of one segment file at byte positions.
///
/// The bytes known to hold whole records are memory-mapped (a sealed segment never changes, and a
/// writer only ever appends to the active one or cuts a torn tail beyond its whole records), so a
/// random read costs no system call and no copy. Bytes beyond the mapping (an active segment's tail
/// that is still being scanned) are read with `pread` into a small window.
///
/// Not thread-safe: each reader (and each thread) uses its own.
final class SegmentFile {
    let files: SegmentFiles
    let file: RawFile
    private var mapBase: UnsafeMutableRawPointer?
    /// Bytes of the file that are mapped (reads below this come from the mapping).
    private(set) var mappedLength = 0
    /// Mapped bytes below this were handed back to the kernel by ``release(below:)``.
    private var releasedBelow = 0
    /// Whether the mapping was read since ``releaseMapped()``.
    private var touched = false
    private var window: [UInt8] = []
    private var windowStart = 0
    private static let readAhead = 64 << 10
    private static let pageSize = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))

    init(files: SegmentFiles) throws {
        self.files = files
        self.file = try RawFile.openForReading(files.log)
    }

    deinit {
        if let mapBase { munmap(mapBase, mappedLength) }
    }

    var base: Int64 { files.base }

    /// Maps the first `length` bytes of the file (no-op when they are mapped already). Only bytes that
    /// hold whole records may be mapped: they are never cut while the mapping lives.
    func map(upTo length: Int) {
        guard length > mappedLength else { return }
        if let mapBase { munmap(mapBase, mappedLength) }
        mapBase = nil
        mappedLength = 0
        releasedBelow = 0
        guard let p = mmap(nil, length, PROT_READ, MAP_SHARED, file.fd, 0), p != MAP_FAILED else { return }
        // Reads land here and there (a page of the list, a record's versions). Without this, the kernel
        // maps large page-cache blocks on each fault and all of them count as this process's memory:
        // the explorer opening a 10M-event log showed 350-500 MB resident, ~125 MB with it.
        madvise(p, length, MADV_NOHUGEPAGE)
        mapBase = p
        mappedLength = length
        window.removeAll(keepingCapacity: false)
        windowStart = 0
    }

    /// Forgets buffered bytes beyond the mapping (after the file changed under us).
    func invalidate() {
        window.removeAll(keepingCapacity: true)
        windowStart = 0
    }

    /// Lets the kernel drop mapped pages below `position` from this process (they stay in the page cache),
    /// so that a sequential scan over a large log keeps a small resident set.
    func release(below position: Int) {
        guard let mapBase else { return }
        let end = min(position, mappedLength) / SegmentFile.pageSize * SegmentFile.pageSize
        guard end > releasedBelow else { return }
        madvise(mapBase + releasedBelow, end - releasedBelow, MADV_DONTNEED)
        releasedBelow = end
    }

    /// Lets the kernel drop every mapped page from this process, when any was read since the last
    /// time: after reads scattered over a large log (the scrubber's time lookups). Pages of a freshly
    /// written file are mapped in large blocks, so a few scattered reads can count hundreds of
    /// megabytes as this process's memory; they stay in the page cache.
    func releaseMapped() {
        guard touched, let mapBase else { return }
        madvise(mapBase, mappedLength, MADV_DONTNEED)
        touched = false
    }

    /// Calls `body` with the bytes `position ..< position+count`, or fewer at the end of the file.
    @inline(__always)
    func withBytes<R>(at position: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if let mapBase, position + count <= mappedLength {
            touched = true
            return try body(UnsafeRawBufferPointer(start: mapBase + position, count: count))
        }
        return try windowBytes(at: position, count: count, body)
    }

    private func windowBytes<R>(at position: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if position < windowStart || position + count > windowStart + window.count {
            let want = max(count, SegmentFile.readAhead)
            if window.count != want { window = [UInt8](repeating: 0, count: want) }
            let n = try window.withUnsafeMutableBytes { (buf) throws -> Int in try file.read(into: buf, at: position) }
            if n < window.count { window.removeLast(window.count - n) }
            windowStart = position
        }
        let start = position - windowStart
        let end = min(window.count, start + count)
        return try window.withUnsafeBytes { (raw) throws -> R in
            try body(UnsafeRawBufferPointer(rebasing: raw[start..<max(start, end)]))
        }
    }

    /// Decodes the record at `position`; `limit` is the end of the readable bytes.
    func decode(at position: Int, expectedOffset: Int64?, limit: Int, verifyChecksum: Bool = true) throws -> RecordFormat.Decoded {
        try withView(at: position, expectedOffset: expectedOffset, limit: limit, verifyChecksum: verifyChecksum) { decoded in
            switch decoded {
            case .record(let view): return .record(view.record(), size: view.size)
            case .incomplete(let size): return .incomplete(size: size)
            case .corrupt(let reason): return .corrupt(reason)
            case .newerVersion(let v): return .newerVersion(v)
            }
        }
    }

    /// Decodes the record at `position` in place and calls `body` with what was found (a view valid
    /// only inside `body`); `limit` is the end of the readable bytes.
    @inline(__always)
    func withView<R>(at position: Int, expectedOffset: Int64?, limit: Int, verifyChecksum: Bool = true,
                     _ body: (RecordFormat.DecodedView) throws -> R) throws -> R {
        let available = limit - position
        if available <= 0 { return try body(.incomplete(size: RecordFormat.minimumRecordSize)) }
        let size: Int = try withBytes(at: position, count: min(4, available)) { raw in
            RecordFormat.frameSize(raw) ?? 0
        }
        let count = size == 0 || size > available ? min(available, RecordFormat.minimumRecordSize) : size
        return try withBytes(at: position, count: count) { raw in
            try body(RecordFormat.decodeView(raw, expectedOffset: expectedOffset, verifyChecksum: verifyChecksum))
        }
    }

    /// The size of the record framed at `position` (length field only), if plausible and within `limit`.
    @inline(__always)
    func frameSize(at position: Int, limit: Int) throws -> Int? {
        guard limit - position >= 4 else { return nil }
        let size = try withBytes(at: position, count: 4) { raw in RecordFormat.frameSize(raw) }
        guard let size, position + size <= limit else { return nil }
        return size
    }
}
