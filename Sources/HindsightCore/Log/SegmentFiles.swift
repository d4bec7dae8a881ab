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
/// Two ways in. Scans (`scan: true`: replays, exports, index rebuilds) read the bytes known to hold
/// whole records through a memory mapping (a sealed segment never changes, and a writer only ever
/// appends to the active one or cuts a torn tail beyond its whole records): no system call and no
/// copy per record, and the scan hands pages back as it goes. Every other read (a record here, a
/// key's versions there, a time lookup) copies a small window with `pread`. Mapping those cost more
/// than it saved: the kernel maps a freshly written file's page cache in large blocks on each fault,
/// and all of them count as this process's memory (the explorer's first frame on a 10M-event log
/// mapped 300 MB for one record's hundred versions).
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
    private var window: [UInt8] = []
    /// Bytes of `window` that hold the file's bytes from `windowStart`.
    private var windowLength = 0
    private var windowStart = 0
    /// How much a window read takes: a scan past the mapping reads further ahead than a point read
    /// (one sparse-index interval of frames plus the record fits in a point read's window).
    private static let scanReadAhead = 64 << 10
    private static let pointReadAhead = 16 << 10
    private static let pageSize = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))

    init(files: SegmentFiles) throws {
        self.files = files
        self.file = try RawFile.openForReading(files.log)
    }

    deinit {
        if let mapBase { munmap(mapBase, mappedLength) }
    }

    var base: Int64 { files.base }

    /// Maps the first `length` bytes of the file for scans (no-op when they are mapped already). Only
    /// bytes that hold whole records may be mapped: they are never cut while the mapping lives.
    func map(upTo length: Int) {
        guard length > mappedLength else { return }
        if let mapBase { munmap(mapBase, mappedLength) }
        mapBase = nil
        mappedLength = 0
        releasedBelow = 0
        guard let p = mmap(nil, length, PROT_READ, MAP_SHARED, file.fd, 0), p != MAP_FAILED else { return }
        madvise(p, length, MADV_NOHUGEPAGE)
        mapBase = p
        mappedLength = length
        invalidate()
    }

    /// Forgets buffered bytes (after the file changed under us).
    func invalidate() {
        windowLength = 0
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

    /// Calls `body` with the bytes `position ..< position+count`, or fewer at the end of the file:
    /// from the mapping for a scan, else (and past the mapping) from a window read with `pread`.
    @inline(__always)
    func withBytes<R>(at position: Int, count: Int, scan: Bool, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if scan, let mapBase, position + count <= mappedLength {
            return try body(UnsafeRawBufferPointer(start: mapBase + position, count: count))
        }
        return try windowBytes(at: position, count: count, readAhead: scan ? SegmentFile.scanReadAhead : SegmentFile.pointReadAhead, body)
    }

    private func windowBytes<R>(at position: Int, count: Int, readAhead: Int,
                                _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if position < windowStart || position + count > windowStart + windowLength {
            let want = max(count, readAhead)
            // Grown for a large record, the buffer shrinks back on the next ordinary read.
            if window.count < want || (window.count > SegmentFile.scanReadAhead && want <= SegmentFile.scanReadAhead) {
                window = [UInt8](repeating: 0, count: want)
            }
            windowLength = 0
            let n = try window.withUnsafeMutableBytes { (buf) throws -> Int in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[0..<want]), at: position)
            }
            windowStart = position
            windowLength = n
        }
        let start = position - windowStart
        let end = min(windowLength, start + count)
        return try window.withUnsafeBytes { (raw) throws -> R in
            try body(UnsafeRawBufferPointer(rebasing: raw[start..<max(start, end)]))
        }
    }

    /// Decodes the record at `position`; `limit` is the end of the readable bytes.
    func decode(at position: Int, expectedOffset: Int64?, limit: Int, verifyChecksum: Bool = true, scan: Bool = false) throws -> RecordFormat.Decoded {
        try withView(at: position, expectedOffset: expectedOffset, limit: limit, verifyChecksum: verifyChecksum, scan: scan) { decoded in
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
    func withView<R>(at position: Int, expectedOffset: Int64?, limit: Int, verifyChecksum: Bool = true, scan: Bool = false,
                     _ body: (RecordFormat.DecodedView) throws -> R) throws -> R {
        let available = limit - position
        if available <= 0 { return try body(.incomplete(size: RecordFormat.minimumRecordSize)) }
        let size: Int = try withBytes(at: position, count: min(4, available), scan: scan) { raw in
            RecordFormat.frameSize(raw) ?? 0
        }
        let count = size == 0 || size > available ? min(available, RecordFormat.minimumRecordSize) : size
        return try withBytes(at: position, count: count, scan: scan) { raw in
            try body(RecordFormat.decodeView(raw, expectedOffset: expectedOffset, verifyChecksum: verifyChecksum))
        }
    }

    /// The size of the record framed at `position` (length field only), if plausible and within `limit`.
    @inline(__always)
    func frameSize(at position: Int, limit: Int, scan: Bool = false) throws -> Int? {
        guard limit - position >= 4 else { return nil }
        let size = try withBytes(at: position, count: 4, scan: scan) { raw in RecordFormat.frameSize(raw) }
        guard let size, position + size <= limit else { return nil }
        return size
    }
}
