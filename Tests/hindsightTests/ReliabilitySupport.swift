import Foundation
import Testing

@testable import HindsightCore

/// Helpers for the reliability tests that run the real binary (hostile input, crash trials, read-only).
enum Reliability {
    /// Whether the tests run as root, where file permissions do not stop reads or writes: the
    /// permission tests then run the binary as `nobody` through setpriv.
    static var isRoot: Bool { getuid() == 0 }
    static let setpriv = "/usr/bin/setpriv"
    static var canDropPrivileges: Bool { isRoot && FileManager.default.isExecutableFile(atPath: setpriv) }

    /// Runs `hindsight args` as an unprivileged user (`nobody`) when running as root, else as we are.
    static func runUnprivileged(_ args: [String], cache: String) throws -> Run {
        guard canDropPrivileges else { return try CLI.run(args, cache: cache) }
        return try run(executable: setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary] + args, cache: cache)
    }

    /// Runs a program with the same environment CLI.run gives the binary.
    static func run(executable: String, _ args: [String], cache: String) throws -> Run {
        try CLI.run(args, cache: cache, executable: executable)
    }

    /// Checks a refused command: the exit status, and exactly one stderr line starting with
    /// `hindsight: ` that holds every one of `mentions`, with nothing on stdout.
    static func expectError(_ r: Run, status: Int32, mentions: [String], _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "\(what): exit \(r.status), expected \(status); stderr: \(r.stderr)", sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1 && r.stderr.hasSuffix("\n"), "\(what): stderr is not one line: \(r.stderr.debugDescription)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("hindsight: "), "\(what): \(r.stderr)", sourceLocation: sourceLocation)
        for m in mentions {
            #expect(r.stderr.contains(m), "\(what): stderr does not mention \(m.debugDescription): \(r.stderr)", sourceLocation: sourceLocation)
        }
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("crashed"), "\(what) crashed: \(r.stderr)", sourceLocation: sourceLocation)
        expectNoRawControls(Array(r.stderr.utf8.dropLast()), what + " (stderr)", sourceLocation: sourceLocation)
    }

    /// No byte of `bytes` is a raw control (other than LF), DEL, a C1 control or a bidi override.
    static func expectNoRawControls(_ bytes: [UInt8], _ what: String, allowTab: Bool = false,
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        if let bad = bytes.firstIndex(where: { ($0 < 0x20 && $0 != 0x0A && !(allowTab && $0 == 0x09)) || $0 == 0x7F }) {
            Issue.record("\(what): raw control byte 0x\(String(bytes[bad], radix: 16)) at \(bad)", sourceLocation: sourceLocation)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let bad = text.unicodeScalars.first(where: { (0x80...0x9F).contains($0.value) || TextSafety.isUnsafe($0.value) && $0.value >= 0x80 }) {
            Issue.record("\(what): raw U+\(String(bad.value, radix: 16, uppercase: true))", sourceLocation: sourceLocation)
        }
    }

    /// Every file under `directory` (recursively) with its bytes and modification time.
    static func snapshot(_ directory: String) throws -> [String: (bytes: [UInt8], mtime: timespec, mode: mode_t)] {
        var out: [String: (bytes: [UInt8], mtime: timespec, mode: mode_t)] = [:]
        let names = try FileManager.default.subpathsOfDirectory(atPath: directory).sorted()
        for name in [""] + names {
            let path = name.isEmpty ? directory : directory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let isDir = (st.st_mode & S_IFMT) == S_IFDIR
            let bytes = isDir ? [] : [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
            out[name.isEmpty ? "." : name] = (bytes, st.st_mtim, st.st_mode)
        }
        return out
    }

    /// Fails when `after` differs from `before` in any file's presence, bytes, mtime or mode.
    static func expectUnchanged(_ before: [String: (bytes: [UInt8], mtime: timespec, mode: mode_t)],
                                _ after: [String: (bytes: [UInt8], mtime: timespec, mode: mode_t)], _ what: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(before.keys.sorted() == after.keys.sorted(), "\(what) added or removed files: \(Set(after.keys).symmetricDifference(before.keys).sorted())",
                sourceLocation: sourceLocation)
        for (name, b) in before {
            guard let a = after[name] else { continue }
            #expect(a.bytes == b.bytes, "\(what) changed the bytes of \(name)", sourceLocation: sourceLocation)
            #expect(a.mtime.tv_sec == b.mtime.tv_sec && a.mtime.tv_nsec == b.mtime.tv_nsec, "\(what) changed the mtime of \(name)", sourceLocation: sourceLocation)
            #expect(a.mode == b.mode, "\(what) changed the mode of \(name)", sourceLocation: sourceLocation)
        }
    }

    /// Sets the mode of `directory` and everything in it: `fileMode` for files, `dirMode` for directories.
    static func chmodTree(_ directory: String, fileMode: mode_t, dirMode: mode_t) throws {
        for name in try FileManager.default.subpathsOfDirectory(atPath: directory) {
            let path = directory + "/" + name
            chmod(path, FileSystem.isDirectoryPath(path) ? dirMode : fileMode)
        }
        chmod(directory, dirMode)
    }
}

/// A deterministic random generator (SplitMix64) for seeded trials.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
