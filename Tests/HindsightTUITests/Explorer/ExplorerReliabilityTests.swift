import Foundation
import HindsightCore
import Testing

@testable import HindsightTUI

/// The explorer under issue 7's conditions: a writer appending while it follows, a read-only log that
/// it must not change, and event text full of terminal controls on every kind of screen.
@Suite("Explorer reliability: concurrent writer, read-only log, hostile text", .timeLimit(.minutes(2)))
struct ExplorerReliabilityTests {
    /// Follow mode (`L`) while another thread appends in batches: every frame sees whole records, the
    /// count only grows, and the explorer ends on the last appended event.
    @Test func followsAWriterAppendingContinuously() throws {
        let f = try ExplorerFixture()
        let batches = 40, perBatch = 5
        let finished = Flag()
        let directory = f.directory
        let writer = Thread {
            defer { finished.set() }
            guard let w = try? LogWriter(directory: directory) else { return }
            defer { w.close() }
            for b in 0..<batches {
                let drafts = (0..<perBatch).map { i in
                    EventDraft(id: "f-\(b)-\(i)", key: "acct-\(b % 4 + 10)", type: "DEPOSIT", eventTime: nil, payload: Array(#"{"amount":\#(b * perBatch + i)}"#.utf8))
                }
                _ = try? w.append(drafts)
                usleep(1500)
            }
        }
        let terminal = InMemoryTerminal(size: Size(width: 100, height: 30))
        let app = ExplorerApp(data: f.data, size: terminal.size)
        terminal.enqueue(keys: .char("L"))
        var counts: [Int64] = []
        var problems: [String] = []
        app.onTick = { state, data in
            if counts.isEmpty { writer.start() }
            counts.append(data.count)
            if data.count > 0 {
                do { _ = try data.record(at: data.count - 1) } catch { problems.append("reading the last record failed: \(error)") }
            }
            if finished.isSet && data.count == Int64(11 + batches * perBatch) && counts.count > 3 { state.quit = true }
            if counts.count > 20_000 { state.quit = true }
        }
        try TerminalSession.run(terminal) { t in try app.run(on: t, tick: .milliseconds(1)) }
        #expect(problems.isEmpty, "\(problems.prefix(3))")
        #expect(counts == counts.sorted(), "the record count went down while following")
        #expect(Set(counts).count > 2, "the explorer never saw the log grow in steps: \(Set(counts).sorted())")
        #expect(f.data.count == Int64(11 + batches * perBatch))
        #expect(app.state.selectedOffset(total: f.data.count) == f.data.count - 1)
        #expect(terminal.screenLines.joined().contains("f-39-4") || terminal.screenLines.joined().contains("\"amount\":199"))
    }

    /// Scrubbing, marks, search, filters, watches, blame, verify and an export (to a file outside the
    /// log) change no byte, mtime or mode of the log's files, which are read-only.
    @Test func exploringChangesNothingInTheLog() throws {
        let f = try ExplorerFixture()
        let out = NSTemporaryDirectory() + "hindsight-explorer-export-\(UUID().uuidString.prefix(8)).md"
        defer { try? FileManager.default.removeItem(atPath: out) }
        setModes(f.directory, file: 0o444, directory: 0o555)
        defer { setModes(f.directory, file: 0o644, directory: 0o755) }
        let before = try snapshot(f.directory)
        let keys: [InputEvent] = [.key(.down), .key(.down), .key(.end), .key(.home)] + InputEvent.keys("]][[lhmjjm") + [.key(.enter), .key(.escape)]
            + InputEvent.keys("/acct-2\nnN") + InputEvent.keys("fkey:acct-1\n") + [.key(.char("F"))] + InputEvent.keys("wbalance < 100\n><bc")
            + InputEvent.keys("V:5\n") + [.key(.char("e")), .key(.ctrl("u"))] + InputEvent.keys(out + "\n") + [.key(.tab), .key(.down), .key(.enter), .key(.char("q"))]
        let (_, app) = try f.run(keys)
        #expect(app.state.quit)
        #expect(FileManager.default.fileExists(atPath: out), "the export was not written: \(app.state.message?.text ?? "")")
        let after = try snapshot(f.directory)
        #expect(before.keys.sorted() == after.keys.sorted(), "files added or removed: \(Set(before.keys).symmetricDifference(after.keys))")
        for (name, b) in before {
            #expect(after[name]?.0 == b.0, "\(name): bytes changed")
            #expect(after[name]?.1 == b.1, "\(name): mtime changed")
        }
    }

    /// Every kind of screen shows hostile event text escaped: the list, the state and diff panes, the
    /// versions view, marks across records, search and blame, the status line with a hostile log name.
    @Test func hostileTextIsEscapedOnEveryScreen() throws {
        let evil = #"\u001b[2J\u001b]52;c;aGk=\u0007\u001b]0;pwned\u001b\\ a\rb\b\u007f\u0000 \u009b31m\u009d0;x\u009c\u0085 \u202egnp\u2066i\u2069\u061c\u200f\u2028\ufeff"#
        let lines = [
            #"{"key":"k\#(evil)","id":"1\#(evil)","type":"T\#(evil)","data":{"m\#(evil)":"\#(evil)","n":1}}"#,
            #"{"key":"k\#(evil)","id":"2","type":"T","data":{"m\#(evil)":"\#(evil)!","n":2,"list":["\#(evil)"]}}"#,
            #"{"key":"plain","id":"3","type":"U","data":{"x":"\#(evil)"}}"#,
        ].joined(separator: "\n")
        let f = try ExplorerFixture(lines: lines, rules: #"{"default":[{"op":"merge"}]}"#)
        let data = ExplorerData(log: try LogReader(directory: f.directory), rules: .mergeAll, name: "evil\u{1B}]0;title\u{07}\u{9B}2J.jsonl")
        let screens: [[InputEvent]] = [
            [], [.key(.down)], InputEvent.keys("mjm"), InputEvent.keys("mjjm"), [.key(.enter)], [.key(.down), .key(.enter), .key(.tab)],
            InputEvent.keys("b"), InputEvent.keys("?"), InputEvent.keys("/\u{9B}x\u{1B}"), InputEvent.keys("/gnp\n"),
            InputEvent.keys("wchanged(n)\n>"), [.key(.end), .key(.tab), .key(.enter)],
        ]
        for keys in screens {
            let terminal = InMemoryTerminal(size: Size(width: 120, height: 32))
            terminal.enqueue(keys)
            let app = ExplorerApp(data: data, size: terminal.size)
            try TerminalSession.run(terminal) { t in try app.run(on: t) }
            let screen = try #require(terminal.lastBuffer)
            for row in 0..<screen.height {
                for col in 0..<screen.width {
                    for scalar in screen[col, row].symbol.unicodeScalars {
                        let v = scalar.value
                        let unsafe = v < 0x20 || (0x7F...0x9F).contains(v) || [0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF].contains(v)
                            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
                        #expect(!unsafe, "keys \(keys): raw U+\(String(v, radix: 16)) at \(col),\(row)")
                    }
                }
            }
        }
    }

    func setModes(_ directory: String, file: mode_t, directory dirMode: mode_t) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] { chmod(directory + "/" + name, file) }
        chmod(directory, dirMode)
    }

    func snapshot(_ directory: String) throws -> [String: ([UInt8], Int)] {
        var out: [String: ([UInt8], Int)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            var st = stat()
            stat(directory + "/" + name, &st)
            out[name] = ([UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))), st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec)
        }
        return out
    }
}

/// A flag set by one thread and read by another.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
