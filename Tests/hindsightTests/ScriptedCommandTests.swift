import Foundation
import Testing
@testable import HindsightCore

@Suite("Scripted commands (the real binary)")
struct ScriptedCommandTests {
    @Test func importReportsAndIsIdempotent() throws {
        let s = Scratch()
        let log = s.file("bank")
        let first = try CLI.run(["import", CLI.sample("bank-account.jsonl"), "--log", log, "--rules", CLI.sample("bank-account.rules.json")], cache: s.cache)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("imported 11 events"))
        #expect(first.stdout.contains("at offsets 0...10"))
        let again = try CLI.run(["import", CLI.sample("bank-account.jsonl"), "--log", log, "--output", "json"], cache: s.cache)
        #expect(again.status == 0)
        let report = try JSONParser.parse(again.stdout)
        #expect(report["appended"] == 0)
        #expect(report["duplicates"] == 11)
        #expect(report["records"] == 11)
        // The rules were stored with the log: later commands need no flags.
        let state = try CLI.run(["state", log, "--key", "acct-1", "--at", "2"], cache: s.cache)
        #expect(try JSONParser.parse(state.stdout)["balance"] == 130)
    }

    @Test func duplicateDeliverySampleAppendsOnce() throws {
        let s = Scratch()
        let r = try CLI.run(["import", CLI.sample("duplicate-delivery.jsonl"), "--log", s.file("l"), "--rules", CLI.sample("duplicate-delivery.rules.json")], cache: s.cache)
        #expect(r.stdout.contains("imported 3 events"))
        #expect(r.stdout.contains("skipped 1 duplicate"))
        let state = try CLI.run(["state", s.file("l"), "--key", "order-9"], cache: s.cache)
        #expect(try JSONParser.parse(state.stdout)["paid"] == 42.5)
    }

    @Test func invalidInputAppendsNothingAndNamesTheLine() throws {
        let s = Scratch()
        let log = s.file("log")
        let bad = s.write("bad.jsonl", "{\"id\":\"1\",\"key\":\"a\"}\n{\"id\":\"2\",\"key\":\"a\",,}\n")
        let r = try CLI.run(["import", bad, "--log", log], cache: s.cache)
        #expect(r.status == HindsightError.Code.badInput.exitStatus)
        #expect(!FileManager.default.fileExists(atPath: log), "a failed import created the log")
        #expect(r.stderr.hasPrefix("hindsight: \(bad): line 2: invalid JSON at column 21: expected a member name"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        let skip = try CLI.run(["import", bad, "--log", log, "--skip-invalid"], cache: s.cache)
        #expect(skip.status == 0)
        #expect(skip.stderr.contains("skipped \(bad): line 2"))
        #expect(try LogReader(directory: log).count == 1)
    }

    @Test func importFromStdin() throws {
        let s = Scratch()
        let r = try CLI.run(["import", "-", "--log", s.file("l")], cache: s.cache, stdin: "{\"key\":\"a\",\"n\":1}\n{\"key\":\"a\",\"n\":2}\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("imported 2 events from stdin"))
    }

    @Test func stateIsExactlyOneJSONDocumentAndNotesGoToStderr() throws {
        let s = Scratch()
        let bank = CLI.sample("bank-account.jsonl")
        let all = try CLI.run(["state", bank], cache: s.cache)
        #expect(all.status == 0)
        let doc = try JSONParser.parse(all.stdout)
        #expect(doc["acct-1"] == ["balance": 130, "lastTeller": "web", "address": "12 Harbour Street"])
        #expect(doc["acct-2"]?["status"] == "frozen")
        #expect(all.stderr.contains("state after offset 10"))
        let v = try CLI.run(["state", bank, "--key", "acct-1", "--at", "1"], cache: s.cache)
        #expect(try JSONParser.parse(v.stdout) == ["balance": 80, "lastTeller": "atm-17"])
        // "The balance one second earlier": acct-2 withdraws 75 at 15:00:00.
        let t1 = try CLI.run(["state", bank, "--key", "acct-2", "--at", "2026-11-21T15:00:00Z"], cache: s.cache)
        let t0 = try CLI.run(["state", bank, "--key", "acct-2", "--at", "2026-11-21T14:59:59Z"], cache: s.cache)
        #expect(try JSONParser.parse(t1.stdout)["balance"] == 175)
        #expect(try JSONParser.parse(t0.stdout)["balance"] == 250)
        #expect(t0.stderr.contains("the last event at or before 2026-11-21T14:59:59Z"))
        let before = try CLI.run(["state", bank, "--key", "acct-1", "--at", "start"], cache: s.cache)
        #expect(before.stdout == "null\n")
        let missing = try CLI.run(["state", bank, "--key", "acct-404"], cache: s.cache)
        #expect(missing.status == HindsightError.Code.notFound.exitStatus)
        #expect(missing.stdout.isEmpty)
        let compact = try CLI.run(["state", bank, "--key", "acct-1", "--format", "jsonl"], cache: s.cache)
        #expect(compact.stdout == "{\"balance\":130,\"lastTeller\":\"web\",\"address\":\"12 Harbour Street\"}\n")
    }

    @Test func aJSONLSourceIsCachedByContent() throws {
        let s = Scratch()
        let bank = CLI.sample("bank-account.jsonl")
        try CLI.run(["events", bank], cache: s.cache)
        try CLI.run(["state", bank], cache: s.cache)
        let entries = try FileManager.default.contentsOfDirectory(atPath: s.cache + "/hindsight").filter { !$0.hasPrefix(".") }
        #expect(entries.count == 1)
        // A changed file is a new cache entry.
        let copy = s.write("bank.jsonl", (try String(contentsOfFile: bank, encoding: .utf8)) + #"{"id":"x","account":"acct-9","type":"OPENED","timestamp":"2026-11-22T00:00:00Z","data":{}}"# + "\n")
        try FileManager.default.copyItem(atPath: CLI.sample("bank-account.rules.json"), toPath: s.file("bank.rules.json"))
        let r = try CLI.run(["state", copy, "--key", "acct-9"], cache: s.cache)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.cache + "/hindsight").filter { !$0.hasPrefix(".") }.count == 2)
    }

    @Test func historyAndDiff() throws {
        let s = Scratch()
        let profile = CLI.sample("user-profile.jsonl")
        let h = try CLI.run(["history", profile, "--key", "user-1"], cache: s.cache)
        #expect(h.status == 0)
        #expect(h.stdout.contains("user-1: 3 versions"))
        #expect(h.stdout.contains("~ /age: 30 → 31"))
        let hj = try CLI.run(["history", profile, "--key", "user-1", "--format", "json"], cache: s.cache)
        let versions = try JSONParser.parse(hj.stdout).arrayValue ?? []
        #expect(versions.count == 3)
        #expect(versions[2]["state"] == ["name": "Alice A", "age": 31])
        #expect(versions[1]["changes"] == [["op": "replace", "path": "/age", "value": 31]])

        let d = try CLI.run(["diff", profile, "--key", "user-1", "--from", "v1", "--to", "v3"], cache: s.cache)
        #expect(d.stdout.contains("~ /name: \"Alice\" → \"Alice A\""))
        let patch = try CLI.run(["diff", profile, "--key", "user-1", "--from", "v1", "--to", "v3", "--format", "json-patch"], cache: s.cache)
        let ops = try JSONPatch(json: try JSONParser.parse(patch.stdout))
        #expect(try ops.apply(to: ["name": "Alice", "age": 30]) == ["name": "Alice A", "age": 31])
        #expect(ops.operations.count == 2)  // inside the document, not one whole replace
        let byTime = try CLI.run(["diff", profile, "--key", "user-1", "--from", "2026-11-21T10:00:00Z", "--to", "2026-11-21T12:00:00Z"], cache: s.cache)
        #expect(byTime.stdout == "~ /age: 30 → 31\n")
        let byOffset = try CLI.run(["diff", profile, "--key", "user-1", "--from", "0", "--to", "0"], cache: s.cache)
        #expect(byOffset.stdout == "no differences\n")
    }

    @Test func gdprErasureLeavesTheStateButNotTheHistory() throws {
        let s = Scratch()
        let gdpr = CLI.sample("gdpr-erasure.jsonl")
        let state = try JSONParser.parse(try CLI.run(["state", gdpr], cache: s.cache).stdout)
        #expect(state["user-42"] == nil)
        #expect(state["user-43"] != nil)
        let h = try CLI.run(["history", gdpr, "--key", "user-42"], cache: s.cache)
        #expect(h.stdout.contains("deleted (tombstone)"))
        #expect(h.stdout.contains("4 versions"))
    }

    @Test func verifyNamesDamageAndTornTails() throws {
        let s = Scratch()
        let log = s.file("log")
        try CLI.run(["import", CLI.sample("bank-account.jsonl"), "--log", log, "--rules", CLI.sample("bank-account.rules.json")], cache: s.cache)
        let ok = try CLI.run(["verify", log], cache: s.cache)
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("ok: 11 records"))
        #expect(ok.stdout.contains("head "))
        let segment = log + "/00000000000000000000.log"
        var bytes = try FileSystem.readAll(segment)
        let original = bytes
        bytes[300] ^= 0x20
        try FileSystem.writeAtomically(segment, bytes)
        let bad = try CLI.run(["verify", log, "--format", "json"], cache: s.cache)
        #expect(bad.status == 3)
        let report = try JSONParser.parse(bad.stdout)
        #expect(report["whole"] == false)
        #expect(report["damaged"]?["segment"] == .string(segment))
        #expect(report["damaged"]?["offset"] == 2)
        try FileSystem.writeAtomically(segment, original + [1, 2, 3])
        let torn = try CLI.run(["verify", log], cache: s.cache)
        #expect(torn.status == 2)
        #expect(torn.stdout.contains("TORN TAIL: 3 bytes after offset 10"))
        let repair = try CLI.run(["import", "-", "--log", log], cache: s.cache, stdin: "")
        #expect(repair.stderr.contains("cut a torn tail of 3 bytes"))
        #expect(try CLI.run(["verify", log], cache: s.cache).status == 0)
    }

    /// A damaged record with valid records after it, then a torn tail: verify reports the damage (exit 3,
    /// not 2) and a writer refuses the log with one line naming the segment and offset instead of
    /// cutting the tail and appending after the damage.
    @Test func damageBeforeATornTailIsReportedAndRefused() throws {
        let s = Scratch()
        let log = s.file("log")
        try CLI.run(["import", CLI.sample("bank-account.jsonl"), "--log", log, "--rules", CLI.sample("bank-account.rules.json")], cache: s.cache)
        let segment = log + "/00000000000000000000.log"
        var bytes = try FileSystem.readAll(segment)
        bytes[300] ^= 0x20
        try FileSystem.writeAtomically(segment, bytes + [0x60, 0, 0, 0, 9, 9])
        let verify = try CLI.run(["verify", log, "--format", "json"], cache: s.cache)
        #expect(verify.status == 3)
        #expect(try JSONParser.parse(verify.stdout)["damaged"]?["offset"] == 2)
        let before = try FileSystem.readAll(segment)
        let r = try CLI.run(["import", CLI.sample("bank-account.jsonl"), "--log", log], cache: s.cache)
        #expect(r.status == HindsightError.Code.corrupt.exitStatus)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("hindsight: ") && r.stderr.contains(segment) && r.stderr.contains("offset 2") && r.stderr.contains("hindsight verify"), "\(r.stderr)")
        #expect(try FileSystem.readAll(segment) == before, "the refused import changed the segment")
    }

    @Test func aSecondWriterGetsAClearError() throws {
        let s = Scratch()
        let log = s.file("log")
        let writer = try LogWriter(directory: log)
        let r = try CLI.run(["import", CLI.sample("bank-account.jsonl"), "--log", log, "--rules", CLI.sample("bank-account.rules.json")], cache: s.cache)
        #expect(r.status == HindsightError.Code.locked.exitStatus)
        #expect(r.stderr.contains("being written by another process"))
        writer.close()
    }

    @Test func eventsFiltersAndFormats() throws {
        let s = Scratch()
        let bank = CLI.sample("bank-account.jsonl")
        let text = try CLI.run(["events", bank, "--key", "acct-2"], cache: s.cache)
        #expect(text.stdout.split(separator: "\n").count == 5)  // header + 4
        let lines = try CLI.run(["events", bank, "--type", "DEPOSIT", "--format", "jsonl"], cache: s.cache)
        let docs = try lines.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(docs.count == 4)
        #expect(docs.allSatisfy { $0["type"] == "DEPOSIT" })
        let range = try CLI.run(["events", bank, "--from", "2026-11-21T11:00:00Z", "--to", "7", "--format", "json"], cache: s.cache)
        #expect(try JSONParser.parse(range.stdout).arrayValue?.map { $0["offset"] ?? nil } == [5, 6, 7])
        let limited = try CLI.run(["events", bank, "--limit", "2", "--format", "jsonl"], cache: s.cache)
        #expect(limited.stdout.split(separator: "\n").count == 2)
    }

    @Test func controlCharactersInEventDataNeverReachTheOutputRaw() throws {
        let s = Scratch()
        let hostile = s.write("hostile.jsonl", #"{"key":"evil\u001b[2J","type":"T\u0007","id":"x\r","data":{"msg":"\u001b]52;c;aGVsbG8=\u0007 \u009b31m \u202e gnp.exe \b\b"}}"# + "\n")
        for args in [["events", hostile], ["events", hostile, "--format", "jsonl"], ["history", hostile, "--key", "evil\u{1B}[2J"], ["state", hostile]] {
            let r = try CLI.run(args, cache: s.cache)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            for b in r.stdoutBytes {
                #expect(b >= 0x20 || b == 0x0A, "raw control byte \(b) in \(args)")
                #expect(b != 0x7F)
            }
            #expect(!r.stdout.unicodeScalars.contains { ($0.value >= 0x80 && $0.value <= 0x9F) || $0.value == 0x202E })
        }
    }

    @Test func helpHasExamplesAndBadPathsAreClear() throws {
        let s = Scratch()
        for command in ["import", "events", "state", "history", "diff", "verify", "open"] {
            let r = try CLI.run([command, "--help"], cache: s.cache)
            #expect(r.status == 0)
            #expect(r.stdout.contains("Examples:"), "\(command) --help has no examples")
        }
        let missing = try CLI.run(["state", s.file("nope.jsonl")], cache: s.cache)
        #expect(missing.status == HindsightError.Code.notFound.exitStatus)
        #expect(missing.stderr.hasPrefix("hindsight: \(s.file("nope.jsonl")): no such file or log directory"))
        try FileManager.default.createDirectory(atPath: s.file("empty-dir"), withIntermediateDirectories: true)
        s.write("empty-dir/readme.txt", "x")
        let notLog = try CLI.run(["events", s.file("empty-dir")], cache: s.cache)
        #expect(notLog.stderr.contains("is not a hindsight log"))
        let badAt = try CLI.run(["state", CLI.sample("bank-account.jsonl"), "--at", "tomorrow"], cache: s.cache)
        #expect(badAt.status == HindsightError.Code.usage.exitStatus)
        #expect(badAt.stderr.contains("is not a position"))
    }
}

@Suite("Time-travel debugging commands (the real binary)")
struct DebugCommandTests {
    let bank = CLI.sample("bank-account.jsonl")

    @Test func findForwardBackwardAndAcrossRecords() throws {
        let s = Scratch()
        let r = try CLI.run(["find", bank, "--when", "balance < 100", "--key", "acct-1", "--format", "json"], cache: s.cache)
        #expect(r.status == 0)
        #expect(try JSONParser.parse(r.stdout)["offset"] == 1)
        let frozen = try CLI.run(["find", bank, "--when", "status == \"frozen\"", "--format", "jsonl"], cache: s.cache)
        let doc = try JSONParser.parse(frozen.stdout)
        #expect(doc["offset"] == 9)
        #expect(doc["key"] == "acct-2")
        let back = try CLI.run(["find", bank, "--when", "changed(balance)", "--backward", "--format", "json"], cache: s.cache)
        #expect(try JSONParser.parse(back.stdout)["offset"] == 8)
        let fromTime = try CLI.run(["find", bank, "--when", "event.type == \"DEPOSIT\"", "--from", "2026-11-21T10:00:00Z", "--format", "json"], cache: s.cache)
        #expect(try JSONParser.parse(fromTime.stdout)["offset"] == 4)
        let none = try CLI.run(["find", bank, "--when", "balance < -1"], cache: s.cache)
        #expect(none.status == 1)
        #expect(none.stdout.contains("no event"))
        let bad = try CLI.run(["find", bank, "--when", "balance <"], cache: s.cache)
        #expect(bad.status == HindsightError.Code.usage.exitStatus)
        #expect(bad.stderr.contains("column 10"))
    }

    @Test func blameListsEachField() throws {
        let s = Scratch()
        let r = try CLI.run(["blame", bank, "--key", "acct-1", "--format", "json"], cache: s.cache)
        let items = try JSONParser.parse(r.stdout).arrayValue ?? []
        #expect(items.map { $0["field"] ?? nil } == ["balance", "lastTeller", "address"])
        #expect(items.map { $0["offset"] ?? nil } == [2, 2, 10])
        let text = try CLI.run(["blame", bank, "--key", "acct-1", "--at", "1"], cache: s.cache)
        #expect(text.stdout.contains("balance"))
        #expect(text.stdout.contains("@1"))
    }

    @Test func crossRecordDiffAndWhatIf() throws {
        let s = Scratch()
        let all = try CLI.run(["diff", bank, "--from", "2", "--to", "end", "--format", "json"], cache: s.cache)
        let records = try JSONParser.parse(all.stdout)["records"]?.arrayValue ?? []
        #expect(records.map { $0["key"] ?? nil } == ["acct-1", "acct-2", "acct-3"])
        #expect(records.map { $0["kind"] ?? nil } == ["changed", "created", "created"])
        let text = try CLI.run(["diff", bank, "--from", "2", "--to", "end"], cache: s.cache)
        #expect(text.stdout.hasPrefix("3 records differ: 2 created, 0 deleted, 1 changed"))
        let whatIf = try CLI.run(["diff", bank, "--what-if", "--skip", "1", "--key", "acct-1"], cache: s.cache)
        #expect(whatIf.stdout.contains("~ /balance: 130 → 150"))
        let skipped = try CLI.run(["state", bank, "--key", "acct-1", "--skip", "1,2"], cache: s.cache)
        #expect(try JSONParser.parse(skipped.stdout)["balance"] == 100)
        let findSkip = try CLI.run(["find", bank, "--when", "balance < 100", "--key", "acct-1", "--skip", "1"], cache: s.cache)
        #expect(findSkip.status == 1)
        let needsSkip = try CLI.run(["diff", bank, "--what-if"], cache: s.cache)
        #expect(needsSkip.status != 0)
        #expect(needsSkip.stderr.contains("--skip"))
    }
}
