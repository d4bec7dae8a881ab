import ArgumentParser
import HindsightCore

/// Output of `diff`.
enum DiffFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case jsonPatch = "json-patch"
    case json
}

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what changed between two points: in one record (--key) or across all records.",
        discussion: """
            A and B are versions (v3, with --key), offsets (120), times (2026-11-21T15:00:00Z), start or end. \
            With --key: the record's state at A against B. Without: the records created, deleted and \
            changed between A and B, each with its diff. \
            --format json-patch prints RFC 6902 operations that turn A into B (without --key: an object of \
            key -> operations); json prints the states and the operations.

            What if: --skip OFFSETS replays as if those events had never happened (the log is never \
            written); --what-if compares the real timeline with that alternate one at B.

            Examples:
              hindsight diff sample-data/user-profile.jsonl --key user-1 --from v1 --to v3
              hindsight diff bank.log --key acct-1 --from 2026-11-21T09:00:00Z --to end --format json-patch
              hindsight diff bank.log --from 2026-11-21T12:00:00Z --to end
              hindsight diff bank.log --what-if --skip 7 --key acct-2
            """
    )

    @OptionGroup var source: SourceArguments

    @Option(help: ArgumentHelp("The record (default: every record).", valueName: "KEY"))
    var key: String?
    @Option(help: ArgumentHelp("The older point A (not with --what-if).", valueName: "A"))
    var from: String?
    @Option(help: ArgumentHelp("The newer point B (default: end).", valueName: "B"))
    var to: String = "end"
    @OptionGroup var skipping: SkipOption
    @Flag(name: .customLong("what-if"), help: "Compare the real timeline (A) with the one without --skip's events (B), at --to.")
    var whatIf = false
    @Option(help: ArgumentHelp("Output: text, json-patch or json.", valueName: "FORMAT"))
    var format: DiffFormat = .text

    func validate() throws {
        if whatIf && skipping.skip == nil {
            throw ValidationError("--what-if needs --skip OFFSETS: the events the alternate timeline leaves out")
        }
        if !whatIf && from == nil {
            throw ValidationError("diff needs --from A (and --to B, default end), or --what-if with --skip")
        }
    }

    func run() throws {
        let opened = try source.open()
        let replayer = Replayer(log: opened.log, rules: opened.rules)
        let skipped = try skipping.offsets
        let real = Timeline(replayer: replayer)
        let alternate = Timeline(replayer: replayer, skip: skipped)
        if let key { try opened.requireRecord(key, in: replayer) }
        let b = try replayer.resolve(try PositionSpec(to), key: key)
        let a: ResolvedPosition
        let older: Timeline, newer: Timeline
        if whatIf {
            a = b
            older = real
            newer = alternate
            Output.note("what if offsets \(skipped.sorted().map(String.init).joined(separator: ",")) had never happened: A = the real timeline, B = the alternate one, both \(label(b))")
        } else {
            a = try replayer.resolve(try PositionSpec(from ?? "start"), key: key)
            older = alternate
            newer = alternate
            Output.note("\(key.map { TextSafety.escape($0) + ": " } ?? "")A = \(label(a)), B = \(label(b))" + (skipped.isEmpty ? "" : " (without offsets \(skipped.sorted().map(String.init).joined(separator: ",")))"))
        }
        if let key {
            try recordDiff(key: key, before: try older.state(of: key, at: a.offset), after: try newer.state(of: key, at: b.offset), a: a, b: b)
        } else {
            try allRecords(CrossDiff.diff(from: try older.states(at: a.offset), to: try newer.states(at: b.offset)), a: a, b: b)
        }
    }

    private func recordDiff(key: String, before: JSON?, after: JSON?, a: ResolvedPosition, b: ResolvedPosition) throws {
        switch format {
        case .jsonPatch:
            Output.line(JSONSerializer.pretty(StructuralDiff.jsonPatch(from: before, to: after).json))
        case .json:
            let doc: JSON = [
                "key": .string(key),
                "from": ["offset": .int(a.offset), "version": .int(Int64(a.version ?? 0)), "state": before ?? .null],
                "to": ["offset": .int(b.offset), "version": .int(Int64(b.version ?? 0)), "state": after ?? .null],
                "patch": StructuralDiff.jsonPatch(from: before, to: after).json,
            ]
            Output.line(JSONSerializer.pretty(doc))
        case .text:
            let changes = StructuralDiff.changes(from: before, to: after)
            if changes.isEmpty {
                Output.line("no differences")
            } else {
                for line in DiffText.lines(changes, valueWidth: 70) { Output.line(line) }
            }
        }
    }

    private func allRecords(_ diffs: [RecordDiff], a: ResolvedPosition, b: ResolvedPosition) throws {
        switch format {
        case .jsonPatch:
            var o = JSONObject()
            for d in diffs { o[d.key] = StructuralDiff.jsonPatch(from: d.before, to: d.after).json }
            Output.line(JSONSerializer.pretty(.object(o)))
        case .json:
            let items = diffs.map { d -> JSON in
                ["key": .string(d.key), "kind": .string(d.kind.rawValue), "before": d.before ?? .null, "after": d.after ?? .null,
                 "patch": StructuralDiff.jsonPatch(from: d.before, to: d.after).json]
            }
            Output.line(JSONSerializer.pretty(["from": .int(a.offset), "to": .int(b.offset), "records": .array(items)]))
        case .text:
            if diffs.isEmpty {
                Output.line("no differences")
                return
            }
            let created = diffs.filter { $0.kind == .created }.count, deleted = diffs.filter { $0.kind == .deleted }.count
            Output.line("\(diffs.count) record\(diffs.count == 1 ? "" : "s") differ: \(created) created, \(deleted) deleted, \(diffs.count - created - deleted) changed")
            for d in diffs {
                switch d.kind {
                case .created: Output.line("+ \(TextSafety.escape(d.key)) (created)")
                case .deleted: Output.line("- \(TextSafety.escape(d.key)) (deleted)")
                case .changed: Output.line("~ \(TextSafety.escape(d.key))")
                }
                if d.kind == .changed {
                    for line in DiffText.lines(d.changes, valueWidth: 66) { Output.line("    " + line) }
                }
            }
        }
    }

    private func label(_ p: ResolvedPosition) -> String {
        if p.offset < 0 { return "before the first event" }
        guard key != nil else { return "after offset \(p.offset)" }
        let v = p.version.map { $0 == 0 ? "not yet created" : "v\($0)" } ?? "?"
        return "\(v) (after offset \(p.offset))"
    }
}
