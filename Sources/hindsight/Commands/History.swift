import ArgumentParser
import HindsightCore

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the versions of one record: number, offset, times, type and the change each made.",
        discussion: """
            Examples:
              hindsight history sample-data/user-profile.jsonl --key user-1
              hindsight history bank.log --key acct-1 --format json | jq '.[].changes'
            """
    )

    @OptionGroup var source: SourceArguments

    @Option(help: ArgumentHelp("The record.", valueName: "KEY"))
    var key: String
    @Option(help: ArgumentHelp("Output: text, json (an array) or jsonl.", valueName: "FORMAT"))
    var format: ReadFormat = .text

    func run() throws {
        let opened = try source.open()
        let replayer = Replayer(log: opened.log, rules: opened.rules)
        try opened.requireRecord(key, in: replayer)
        let versions = try replayer.history(of: key)
        switch format {
        case .json, .jsonl:
            let items = versions.map { v -> JSON in
                var o: JSONObject = [
                    "version": .int(Int64(v.number)),
                    "offset": .int(v.offset),
                    "logTime": .string(v.record.logTime.iso8601),
                    "eventTime": .string(v.record.eventTime.iso8601),
                    "id": .string(v.record.id),
                    "type": .string(v.record.type),
                    "changes": StructuralDiff.jsonPatch(from: v.before, to: v.after).json,
                    "state": v.after ?? .null,
                ]
                if v.after == nil { o["deleted"] = true }
                if let issues = replayer.issues[v.offset] { o["issues"] = .array(issues.map { .string($0) }) }
                return .object(o)
            }
            if format == .json {
                Output.line(JSONSerializer.pretty(.array(items)))
            } else {
                for item in items { Output.line(JSONSerializer.compact(item)) }
            }
        case .text:
            Output.line("\(TextSafety.escape(key)): \(versions.count) version\(versions.count == 1 ? "" : "s")")
            let offsetWidth = String(versions.last?.offset ?? 0).count
            for v in versions {
                let head = TextSafety.pad("v\(v.number)", toWidth: 4) + "  offset " + TextSafety.pad(String(v.offset), toWidth: offsetWidth, alignment: .right)
                    + "  " + v.record.eventTime.iso8601 + "  " + Format.cell(v.record.type.isEmpty ? "-" : v.record.type, 16)
                let changes = StructuralDiff.changes(from: v.before, to: v.after)
                var what: String
                if v.before == nil && v.after != nil {
                    what = "created"
                } else if v.after == nil {
                    what = v.before == nil ? "no state" : "deleted (tombstone)"
                } else {
                    what = changes.isEmpty ? "no change" : DiffText.summary(changes, maxWidth: 70)
                }
                if let issues = replayer.issues[v.offset] { what += "  [!] " + issues.joined(separator: "; ") }
                Output.line(head + "  " + TextSafety.escape(what))
                if v.before == nil || v.after == nil { continue }
                for line in DiffText.lines(changes, valueWidth: 60) { Output.line("      " + line) }
            }
        }
    }
}
