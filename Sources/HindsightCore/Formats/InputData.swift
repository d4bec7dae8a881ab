import CZlib
#if canImport(Glibc)
import Glibc
#endif

/// The bytes of an input (a file or standard input), gunzipped when they are gzip data.
public struct InputData: Sendable {
    /// A name for messages: the path, or `stdin`.
    public let name: String
    public let bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    /// Reads a file, or standard input for `-`; gzip input (by its magic bytes) is decompressed.
    public static func read(path: String) throws -> InputData {
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
            raw = try FileSystem.readAll(path)
        }
        if raw.count >= 2 && raw[0] == 0x1F && raw[1] == 0x8B {
            raw = try gunzip(raw, name: name)
        }
        return InputData(name: name, bytes: raw)
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
        var stream = z_stream()
        var status = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw HindsightError(.io, "\(name): cannot start gzip decompression") }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        try input.withUnsafeBytes { (src: UnsafeRawBufferPointer) throws in
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
        }
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

    /// The non-blank lines (LF, CRLF, or CR-only line ends), numbered from 1.
    public func lines() -> [InputLine] {
        var out: [InputLine] = []
        let n = bytes.count
        let start0 = contentStart
        let crOnly = !bytes.contains(0x0A) && bytes.contains(0x0D)
        let separator: UInt8 = crOnly ? 0x0D : 0x0A
        bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return }
            var lineStart = start0
            var number = 1
            while lineStart <= n {
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
                if s < e { out.append(InputLine(number: number, range: s..<e)) }
                number += 1
                lineStart = i + 1
            }
        }
        return out
    }

    /// The first byte that is not whitespace, if any.
    var firstSignificantByte: UInt8? {
        var i = contentStart
        while i < bytes.count {
            let b = bytes[i]
            if b != 0x20 && b != 0x0A && b != 0x0D && b != 0x09 { return b }
            i += 1
        }
        return nil
    }
}
