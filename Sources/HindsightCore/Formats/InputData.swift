import CMemoryHints
import CZlib
#if canImport(Glibc)
import Glibc
#endif

/// The bytes of an input: an array, or a large file mapped read-only (``InputData/read(path:mapping:)``).
public struct InputBytes: Sendable, RandomAccessCollection {
    private enum Storage: Sendable {
        case array([UInt8])
        case mapped(MappedFile)
    }

    private let storage: Storage
    public let count: Int

    public init(_ array: [UInt8]) {
        storage = .array(array)
        count = array.count
    }

    init(mapped file: MappedFile) {
        storage = .mapped(file)
        count = file.bytes.count
    }

    /// Whether the bytes are a mapping of the file (not a copy).
    var isMapped: Bool {
        if case .mapped = storage { return true }
        return false
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> UInt8 {
        switch storage {
        case .array(let a): return a[i]
        case .mapped(let f): return f.bytes[i]
        }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch storage {
        case .array(let a): return try a.withUnsafeBytes(body)
        case .mapped(let f): return try body(f.bytes)
        }
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withUnsafeBytes { try body($0.bindMemory(to: UInt8.self)) }
    }

    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try withUnsafeBufferPointer(body)
    }
}

/// The bytes of an input (a file or standard input), gunzipped when they are gzip data.
public struct InputData: Sendable {
    /// A name for messages: the path, or `stdin`.
    public let name: String
    public let bytes: InputBytes

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = InputBytes(bytes)
    }

    init(name: String, bytes: InputBytes) {
        self.name = name
        self.bytes = bytes
    }

    /// Files at least this large are mapped when mapping is asked for.
    static let mappingBytes = 1 << 20

    /// Reads a file, or standard input for `-`; gzip input (by its magic bytes) is decompressed.
    ///
    /// With `mapping`, a large regular file is mapped read-only instead of copied into memory (`import`:
    /// a copy of gigabytes is gigabytes of fresh memory the kernel must clear first, most of the time of
    /// reading a large input). A mapped file must not be cut short while it is in use: reading past its
    /// new end raises SIGBUS, which the caller should turn into a clear error
    /// (``exitOnMappedInputFault(message:)``).
    public static func read(path: String, mapping: Bool = false) throws -> InputData {
        var raw: [UInt8]
        let name: String
        if path == "-" {
            name = "stdin"
            raw = try readAll(fd: 0, name: name)
        } else {
            name = path
            if FileSystem.isDirectory(path) {
                throw HindsightError(.usage, "\(path) is a directory, not an input file", hint: "give a JSONL, CloudEvents or kcat -J file, or - for standard input")
            }
            if mapping, let file = MappedFile(input: path, minimumSize: mappingBytes) {
                let bytes = InputBytes(mapped: file)
                if !(bytes[0] == 0x1F && bytes[1] == 0x8B) { return InputData(name: name, bytes: bytes) }
                return InputData(name: name, bytes: try bytes.withUnsafeBytes { try gunzip($0, name: name) })
            }
            raw = try FileSystem.readAll(path)
        }
        if raw.count >= 2 && raw[0] == 0x1F && raw[1] == 0x8B {
            raw = try gunzip(raw, name: name)
        }
        return InputData(name: name, bytes: raw)
    }

    /// Makes a fault on a mapped input (the file was cut short while it was read) end the process
    /// with `message` on standard error and exit status 74, instead of a crash. For a command that
    /// reads a mapped input and holds no terminal state.
    public static func exitOnMappedInputFault(message: String) {
        hindsight_exit_on_sigbus(message)
    }

    static func readAll(fd: Int32, name: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RawFile.ioError("cannot read \(name)", errno)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Decompresses gzip data (all members of a multi-member file).
    public static func gunzip(_ input: [UInt8], name: String) throws -> [UInt8] {
        try input.withUnsafeBytes { try gunzip($0, name: name) }
    }

    /// Decompresses gzip data (all members of a multi-member file).
    public static func gunzip(_ input: UnsafeRawBufferPointer, name: String) throws -> [UInt8] {
        var stream = z_stream()
        var status = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw HindsightError(.io, "\(name): cannot start gzip decompression") }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        try { (src: UnsafeRawBufferPointer) throws in
            guard let base = src.baseAddress else { return }
            stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(src.count)
            while true {
                let produced: Int = chunk.withUnsafeMutableBytes { dst in
                    stream.next_out = dst.baseAddress?.assumingMemoryBound(to: UInt8.self)
                    stream.avail_out = UInt32(dst.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return dst.count - Int(stream.avail_out)
                }
                out.append(contentsOf: chunk[0..<produced])
                if status == Z_STREAM_END {
                    if stream.avail_in == 0 { return }
                    // Another gzip member follows.
                    guard inflateReset(&stream) == Z_OK else { break }
                    continue
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    throw HindsightError(.badInput, "\(name): the gzip data is cut short (\(out.count) bytes decompressed)", hint: "check that the file was copied whole")
                }
                guard status == Z_OK else {
                    throw HindsightError(.badInput, "\(name): invalid gzip data after \(stream.total_in) bytes", hint: "check that the file is a whole .gz file")
                }
            }
        }(input)
        return out
    }
}

/// One line of a JSONL input: its 1-based number and its byte range (without the line ending).
public struct InputLine: Sendable {
    public let number: Int
    public let range: Range<Int>
}

extension InputData {
    /// Byte range after a UTF-8 byte order mark.
    var contentStart: Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    /// The line separator: LF, or CR for an input with CR-only line ends.
    var lineSeparator: UInt8 {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return 0x0A }
            return memchr(base, 0x0A, raw.count) == nil && memchr(base, 0x0D, raw.count) != nil ? 0x0D : 0x0A
        }
    }

    /// The non-blank lines (LF, CRLF, or CR-only line ends), numbered from 1.
    public func lines() -> [InputLine] {
        var out: [InputLine] = []
        forEachLine(from: contentStart, to: bytes.count, last: true, separator: lineSeparator) { number, range in
            out.append(InputLine(number: number, range: range))
            return true
        }
        return out
    }

    /// Calls `body` with the number (from 1) and byte range (without the line end and surrounding
    /// blanks) of each non-blank line that starts in `from..<to` (and, with `last`, at `to`: the
    /// input's end), until it returns false. `from` must be where a line starts.
    @inline(__always)
    func forEachLine(from: Int, to: Int, last: Bool, separator: UInt8, _ body: (Int, Range<Int>) -> Bool) {
        var cursor = LineCursor(at: from, to: to, last: last, separator: separator)
        while let (number, range) = cursor.next(in: self) {
            if !body(number, range) { return }
        }
    }

    /// How many lines start in `from..<to` (line ends there), counted without looking at the lines.
    func lineCount(from: Int, to: Int, separator: UInt8) -> Int {
        var count = 0
        bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return }
            var i = from
            while i < to, let found = memchr(base + i, Int32(separator), to - i) {
                count += 1
                i = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base + 1
            }
        }
        return count
    }

    /// About how many lines `from..<to` holds, from the lines in its first 64 KiB (to reserve room for them).
    func estimatedLineCount(from: Int, to: Int, separator: UInt8) -> Int {
        let sample = min(to - from, 1 << 16)
        guard sample > 0 else { return 0 }
        let seen = lineCount(from: from, to: from + sample, separator: separator) + 1
        // Not more than one line per 16 bytes (a sample of blank lines must not reserve gigabytes).
        return min(Int(Double(to - from) / Double(sample) * Double(seen) * 1.15), (to - from) / 16) + 16
    }

    /// The first byte that is not whitespace, if any.
    var firstSignificantByte: UInt8? {
        bytes.withUnsafeBufferPointer { bytes in
            var i = contentStart
            while i < bytes.count {
                let b = bytes[i]
                if b != 0x20 && b != 0x0A && b != 0x0D && b != 0x09 { return b }
                i += 1
            }
            return nil
        }
    }
}

/// Walks the lines of an input one at a time: the non-blank lines that start in `position..<to` (and,
/// with `last`, at `to`: the input's end), numbered from 1 at the first position.
struct LineCursor: Sendable {
    /// Where the next line starts.
    private(set) var position: Int
    let to: Int
    let last: Bool
    let separator: UInt8
    /// The number of the line at `position`.
    private var number = 1

    init(at position: Int, to: Int, last: Bool, separator: UInt8) {
        self.position = position
        self.to = to
        self.last = last
        self.separator = separator
    }

    /// Whether no line is left.
    var isAtEnd: Bool { !(position < to || (last && position == to)) }

    /// The next non-blank line's number and byte range (without its line end and surrounding blanks);
    /// nil at the end.
    @inline(__always)
    mutating func next(in input: InputData) -> (Int, Range<Int>)? {
        let n = input.bytes.count
        return input.bytes.withUnsafeBufferPointer { b -> (Int, Range<Int>)? in
            guard let base = b.baseAddress else {
                position = to + 1
                return nil
            }
            while !isAtEnd {
                let lineStart = position
                // The end of this line: the next separator (memchr), or the end of the input.
                var i = n
                if lineStart < n, let found = memchr(base + lineStart, Int32(separator), n - lineStart) {
                    i = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
                }
                var end = i
                if end > lineStart && b[end - 1] == 0x0D { end -= 1 }
                var s = lineStart
                while s < end && (b[s] == 0x20 || b[s] == 0x09) { s += 1 }
                var e = end
                while e > s && (b[e - 1] == 0x20 || b[e - 1] == 0x09) { e -= 1 }
                let line = number
                number += 1
                position = i + 1
                if s < e { return (line, s..<e) }
            }
            return nil
        }
    }
}
