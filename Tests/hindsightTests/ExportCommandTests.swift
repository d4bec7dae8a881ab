import Foundation
import Testing
@testable import HindsightCore

@Suite("export and verify --audit (the real binary)")
struct ExportCommandTests {
    let time = ["HINDSIGHT_EXPORT_TIME": "2026-12-01T00:00:00Z"]

    /// The bank sample imported into a log directory.
    func bankLog(_ s: Scratch) throws -> String {
        let log = s.file("bank")
        let r = try CLI.run(["import", CLI.sample("bank-account.jsonl"), "--log", log, "--rules", CLI.sample("bank-account.rules.json")], cache: s.cache)
        #expect(r.status == 0, "\(r.stderr)")
        return log
    }

    @Test func helpHasExamples() throws {
        let s = Scratch()
        let export = try CLI.run(["export", "--help"], cache: s.cache)
        #expect(export.status == 0)
        #expect(export.stdout.contains("Examples:"))
        #expect(export.stdout.contains("--redact"))
        let verify = try CLI.run(["verify", "--help"], cache: s.cache)
        #expect(verify.stdout.contains("--audit"))
        #expect(verify.stdout.contains("Examples:"))
    }

    /// `--out` naming a device or a FIFO writes into it; it is never replaced by a renamed file (as a
    /// regular file is). Tried with a FIFO: a test must not risk the machine's /dev/null.
    @Test func outToAFIFOStreamsIntoItWithoutReplacingIt() throws {
        let s = Scratch()
        let log = try bankLog(s)
        let fifo = s.file("pipe")
        #expect(mkfifo(fifo, 0o644) == 0)
        let received = Received()
        let reader = Thread {
            if let handle = FileHandle(forReadingAtPath: fifo) { received.set(handle.readDataToEndOfFile()) }
        }
        reader.start()
        let r = try CLI.run(["export", log, "--out", fifo], cache: s.cache, environment: time)
        #expect(r.status == 0, "\(r.stderr)")
        while !received.done { Thread.sleep(forTimeInterval: 0.01) }
        let lines = String(decoding: received.data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 12)
        var st = stat()
        #expect(stat(fifo, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO)
        let csv = try CLI.run(["export", log, "--format", "csv", "--out", fifo], cache: s.cache, environment: time)
        #expect(csv.status != 0)
        #expect(csv.stderr.contains("--manifest"))
    }

    @Test func jsonlGoesToStdoutWithTheManifestFirstAndIsReproducible() throws {
        let s = Scratch()
        let log = try bankLog(s)
        let a = try CLI.run(["export", log, "--actor-field", "teller"], cache: s.cache, environment: time)
        #expect(a.status == 0, "\(a.stderr)")
        let lines = a.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 12)
        let manifest = try JSONParser.parse(lines[0])
        #expect(manifest["exportedAt"] == "2026-12-01T00:00:00Z")
        #expect(manifest["tool"]?.stringValue?.hasPrefix("hindsight ") == true)
        #expect(manifest["rows"] == 11)
        #expect(manifest["log"]?["records"] == 11)
        let row3 = try JSONParser.parse(lines[3])
        #expect(row3["summary"] == "balance: 80 → 130, lastTeller: \"atm-17\" → \"web\"")
        #expect(row3["actor"] == "web")
        #expect(row3["version"] == 3)
        #expect(a.stderr.contains("exported 11 rows from offsets 0…10"))
        let b = try CLI.run(["export", log, "--actor-field", "teller"], cache: s.cache, environment: time)
        #expect(a.stdoutBytes == b.stdoutBytes)
        // Filters as `events` reads them.
        let f = try CLI.run(["export", log, "--key", "acct-2", "--type", "WITHDRAW", "--from", "2026-11-21T12:00:00Z"], cache: s.cache, environment: time)
        let rows = f.stdout.split(separator: "\n").dropFirst().map { try? JSONParser.parse(String($0)) }
        #expect(rows.count == 1)
        #expect(rows.first??["offset"] == 7)
        // A JSONL SOURCE works too.
        let sample = try CLI.run(["export", CLI.sample("bank-account.jsonl"), "--format", "markdown"], cache: s.cache, environment: time)
        #expect(sample.status == 0, "\(sample.stderr)")
        #expect(sample.stdout.hasPrefix("# Audit export: bank-account.jsonl"))
    }

    @Test func outWritesFilesAndVerifyAcceptsThemInEveryFormat() throws {
        let s = Scratch()
        let log = try bankLog(s)
        for (format, name) in [("jsonl", "a.jsonl"), ("csv", "a.csv"), ("markdown", "a.md")] {
            let out = s.file(name)
            let r = try CLI.run(["export", log, "--format", format, "--out", out, "--include-data", "--include-state"], cache: s.cache, environment: time)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.contains("to \(out)"))
            #expect(FileManager.default.fileExists(atPath: out))
            if format == "csv" { #expect(FileManager.default.fileExists(atPath: out + ".manifest.json")) }
            let alone = try CLI.run(["verify", "--audit", out], cache: s.cache)
            #expect(alone.status == 0, "\(format): \(alone.stdout) \(alone.stderr)")
            #expect(alone.stdout.contains("ok: "))
            let withLog = try CLI.run(["verify", "--audit", out, "--log", log], cache: s.cache)
            #expect(withLog.status == 0, "\(format): \(withLog.stdout) \(withLog.stderr)")
            #expect(withLog.stdout.contains("every row matches the log (11 compared"))
            let json = try CLI.run(["verify", "--audit", out, "--log", log, "--format", "json"], cache: s.cache)
            let report = try JSONParser.parse(json.stdout)
            #expect(report["valid"] == true)
            #expect(report["rowsCompared"] == 11)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: s.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func tamperedExportsFailWithExitThreeAndNameTheRow() throws {
        let s = Scratch()
        let log = try bankLog(s)
        let out = s.file("audit.jsonl")
        #expect(try CLI.run(["export", log, "--out", out], cache: s.cache, environment: time).status == 0)
        let original = try String(contentsOfFile: out, encoding: .utf8)
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func check(_ edit: (inout [String]) -> Void, expect needle: String) throws {
            var copy = lines
            edit(&copy)
            try copy.joined(separator: "\n").write(toFile: out, atomically: true, encoding: .utf8)
            let r = try CLI.run(["verify", "--audit", out], cache: s.cache)
            #expect(r.status == 3, "\(needle): \(r.stdout)")
            #expect(r.stdout.contains("FAILED"))
            #expect(r.stdout.contains(needle), "\(r.stdout)")
        }
        try check({ $0[4] = $0[4].replacingOccurrences(of: "\"version\":1", with: "\"version\":2") },
                  expect: "row 4 (line 5) was edited")
        try check({ $0.remove(at: 6) }, expect: "row 6 was removed: missing between row 5 (line 6) and row 7 (line 7)")
        try check({ $0.insert($0[3], at: 8) }, expect: "line 9 was inserted: it repeats row 3 (line 4)")
        try check({ $0.swapAt(2, 3) }, expect: "is out of order")
        lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Not an export at all.
        let junk = s.write("junk.jsonl", "{\"hello\":1}\n")
        let r = try CLI.run(["verify", "--audit", junk], cache: s.cache)
        #expect(r.status == 3)
        #expect(r.stderr.hasPrefix("hindsight: \(junk) line 1: the manifest has no \"hindsightAudit\" version"))
        let missing = try CLI.run(["verify", "--audit", s.file("nope.jsonl")], cache: s.cache)
        #expect(missing.status == HindsightError.Code.notFound.exitStatus)
    }

    /// The GDPR sample as sample-data/README.md shows it: the erased user's history with PII redacted.
    @Test func gdprExportWithRedaction() throws {
        let s = Scratch()
        let key = s.write("audit.key", "0123456789abcdef0123456789abcdef\n")
        let out = s.file("user-42.jsonl")
        let gdpr = CLI.sample("gdpr-erasure.jsonl")
        let r = try CLI.run(["export", gdpr, "--key", "user-42", "--include-data", "--include-state", "--redact", "name", "--redact", "email",
                             "--redact-key-file", key, "--out", out], cache: s.cache, environment: time)
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!text.contains("dana"))
        #expect(!text.contains("Dana"))
        #expect(text.contains("\"summary\":\"deleted\""))
        let keyless = try CLI.run(["verify", "--audit", out, "--log", gdpr], cache: s.cache)
        #expect(keyless.status == 0, "\(keyless.stdout)")
        #expect(keyless.stdout.contains("redacted, not compared: "))
        let keyed = try CLI.run(["verify", "--audit", out, "--log", gdpr, "--redact-key-file", key], cache: s.cache)
        #expect(keyed.status == 0, "\(keyed.stdout)")
        #expect(keyed.stdout.contains("redacted values compared by recomputing their HMAC"))
        let wrong = s.write("wrong.key", "fedcba9876543210fedcba9876543210")
        let bad = try CLI.run(["verify", "--audit", out, "--log", gdpr, "--redact-key-file", wrong], cache: s.cache)
        #expect(bad.status == HindsightError.Code.usage.exitStatus)
        #expect(bad.stderr.contains("the key file is not the one this export was redacted with"))
    }

    @Test func usageErrors() throws {
        let s = Scratch()
        let log = try bankLog(s)
        let noKey = try CLI.run(["export", log, "--redact", "email"], cache: s.cache)
        #expect(noKey.status == 64)
        #expect(noKey.stderr.contains("--redact needs --redact-key-file"))
        let csv = try CLI.run(["export", log, "--format", "csv"], cache: s.cache)
        #expect(csv.status == 64)
        #expect(csv.stderr.contains("sidecar"))
        let shortKey = try CLI.run(["export", log, "--redact", "email", "--redact-key-file", s.write("k", "short")], cache: s.cache)
        #expect(shortKey.status == 64)
        #expect(shortKey.stderr.contains("at least 16"))
        let badTime = try CLI.run(["export", log], cache: s.cache, environment: ["HINDSIGHT_EXPORT_TIME": "yesterday"])
        #expect(badTime.status == 64)
        let version = try CLI.run(["export", log, "--from", "v2"], cache: s.cache)
        #expect(version.status == 64)
        #expect(version.stderr.contains("add --key KEY"))
        let input = s.write("in.jsonl", "{\"key\":\"a\",\"n\":1}\n")
        let clobber = try CLI.run(["export", input, "--out", input], cache: s.cache)
        #expect(clobber.status == 64)
        #expect(clobber.stderr.contains("would overwrite the SOURCE"))
        #expect(try String(contentsOfFile: input, encoding: .utf8) == "{\"key\":\"a\",\"n\":1}\n")
        let nothing = try CLI.run(["verify"], cache: s.cache)
        #expect(nothing.status == 64)
        // The log commands still work as before.
        #expect(try CLI.run(["verify", log], cache: s.cache).stdout.contains("ok: 11 records"))
    }

    /// Hostile text in keys, types and data never reaches the output raw, in any format.
    @Test func outputIsTerminalSafe() throws {
        let s = Scratch()
        let input = s.write("evil-input.jsonl", [
            #"{"id":"1","key":"a\u001b[2Jb","type":"T|\u0007","time":"2026-11-21T09:00:00Z","data":{"v":"\u202egnp.exe","who":"x\ny"}}"#,
            #"{"id":"2","key":"a\u001b[2Jb","type":"=HYPERLINK(\"x\")","time":"2026-11-21T09:01:00Z","data":{"v":"\u009b31m"}}"#,
        ].joined(separator: "\n"))
        for format in ["jsonl", "csv", "markdown"] {
            let out = s.file("exported.\(format)")
            let r = try CLI.run(["export", input, "--format", format, "--out", out, "--include-data", "--include-state", "--actor-field", "who"],
                                cache: s.cache, environment: time)
            #expect(r.status == 0, "\(r.stderr)")
            let bytes = try FileSystem.readAll(out)
            #expect(!bytes.contains(0x1B) && !bytes.contains(0x07), "\(format)")
            #expect(!String(decoding: bytes, as: UTF8.self).unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x9B }, "\(format)")
            let v = try CLI.run(["verify", "--audit", out, "--log", input], cache: s.cache)
            #expect(v.status == 0, "\(format): \(v.stdout)")
            #expect(!v.stdoutBytes.contains(0x1B))
        }
    }
}

/// Bytes handed over from a reader thread.
final class Received: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()
    private var finished = false
    var done: Bool { lock.withLock { finished } }
    var data: Data { lock.withLock { bytes } }
    func set(_ d: Data) { lock.withLock { bytes = d; finished = true } }
}
