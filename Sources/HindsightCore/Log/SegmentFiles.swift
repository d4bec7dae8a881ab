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

/// A buffered reader over one segment file: reads whole records at byte positions.
///
/// Not thread-safe: each reader (and each thread) uses its own.
final class SegmentFile {
    let files: SegmentFiles
    let file: RawFile
    private var window: [UInt8] = []
    private var windowStart = 0
    private static let readAhead = 64 << 10

    init(files: SegmentFiles) throws {
        self.files = files
        self.file = try RawFile.openForReading(files.log)
    }

    var base: Int64 { files.base }

    /// Forgets buffered bytes (after the file changed under us).
    func invalidate() {
        window.removeAll(keepingCapacity: true)
        windowStart = 0
    }

    /// Calls `body` with the bytes `position ..< position+count`, or fewer at the end of the file.
    func withBytes<R>(at position: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
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
        let available = limit - position
        if available <= 0 { return .incomplete(size: RecordFormat.minimumRecordSize) }
        let size: Int = try withBytes(at: position, count: min(4, available)) { raw in
            RecordFormat.frameSize(raw) ?? 0
        }
        if size == 0 || size > available {
            return try withBytes(at: position, count: min(available, RecordFormat.minimumRecordSize)) { raw in
                RecordFormat.decode(raw, expectedOffset: expectedOffset, verifyChecksum: verifyChecksum)
            }
        }
        return try withBytes(at: position, count: size) { raw in
            RecordFormat.decode(raw, expectedOffset: expectedOffset, verifyChecksum: verifyChecksum)
        }
    }

    /// The size of the record framed at `position` (length field only), if plausible and within `limit`.
    func frameSize(at position: Int, limit: Int) throws -> Int? {
        guard limit - position >= 4 else { return nil }
        let size = try withBytes(at: position, count: 4) { raw in RecordFormat.frameSize(raw) }
        guard let size, position + size <= limit else { return nil }
        return size
    }
}
