import Foundation
import HindsightCore

/// Buffered stdout, one-line errors and notes on stderr, and a progress line when stderr is a terminal.
enum Output {
    nonisolated(unsafe) private static var buffer: [UInt8] = []

    /// Writes text to stdout (buffered).
    static func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes bytes to stdout (buffered).
    static func write(bytes: [UInt8]) {
        bytes.withUnsafeBytes { write(bytes: $0) }
    }

    /// Writes bytes to stdout (buffered; large pieces go straight through).
    static func write(bytes: UnsafeRawBufferPointer) {
        if buffer.count + bytes.count > 1 << 16 { flush() }
        guard bytes.count < 1 << 16 else {
            write(unbuffered: bytes)
            return
        }
        buffer.append(contentsOf: bytes)
    }

    static func line(_ text: String = "") {
        write(text)
        write("\n")
    }

    static func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { write(unbuffered: $0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes all of `bytes` to stdout now (stops quietly when stdout is gone).
    private static func write(unbuffered raw: UnsafeRawBufferPointer) {
        var done = 0
        while done < raw.count {
            let n = Foundation.write(1, raw.baseAddress?.advanced(by: done), raw.count - done)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                break
            }
            done += n
        }
    }

    /// A note on stderr (e.g. what `--at` resolved to), one line: controls in it (from paths, keys or
    /// input text) are shown escaped, never sent to the terminal raw.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((TextSafety.escape(text) + "\n").utf8))
    }

    static func error(_ error: HindsightError) {
        var text = "hindsight: " + error.message
        if let hint = error.hint { text += " (" + hint + ")" }
        note(text)
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Renders import progress on one stderr line when stderr is a terminal.
    final class Progress: @unchecked Sendable {
        private let start = Date()
        private var last = Date.distantPast
        private let enabled: Bool
        private let lock = NSLock()

        init(enabled: Bool = Output.stderrIsTerminal && ProcessInfo.processInfo.environment["CI"] == nil) {
            self.enabled = enabled
        }

        func update(_ p: ImportProgress) {
            guard enabled else { return }
            lock.lock()
            defer { lock.unlock() }
            let now = Date()
            guard now.timeIntervalSince(last) >= 0.1 else { return }
            last = now
            let elapsed = max(0.001, now.timeIntervalSince(start))
            var text: String
            switch p.phase {
            case .reading:
                let mbps = Double(p.bytesDone) / 1_048_576 / elapsed
                let fraction = p.bytesTotal > 0 ? Double(p.bytesDone) / Double(p.bytesTotal) : 0
                let eta = fraction > 0.01 ? elapsed * (1 - fraction) / fraction : 0
                text = "reading: \(Format.grouped(p.events)) events  \(String(format: "%.1f", mbps)) MB/s  \(Int(fraction * 100))%  ETA \(Format.duration(eta))"
            case .appending:
                let total = p.eventsTotal ?? p.events
                let fraction = total > 0 ? Double(p.events) / Double(total) : 1
                text = "appending: \(Format.grouped(p.events)) of \(Format.grouped(total)) events  \(Int(fraction * 100))%"
            }
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        }

        func finish() {
            guard enabled else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
    }
}

/// Small formatting helpers for text output.
enum Format {
    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func grouped(_ n: Int64) -> String { grouped(Int(n)) }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// Pads (or truncates with an ellipsis) to a display width.
    static func cell(_ text: String, _ width: Int) -> String {
        TextSafety.pad(TextSafety.truncate(TextSafety.escape(text), toWidth: width), toWidth: width)
    }
}
