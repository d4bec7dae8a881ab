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
        abstract: "Show what changed in a record between two points.",
        discussion: """
            A and B are versions (v3), offsets (120), times (2026-11-21T15:00:00Z), start or end.
            --format json-patch prints RFC 6902 operations that turn A into B; json prints both states and the operations.

            Examples:
              hindsight diff sample-data/user-profile.jsonl --key user-1 --from v1 --to v3
              hindsight diff bank.log --key acct-1 --from 2026-11-21T09:00:00Z --to end --format json-patch
            """
    )

    @OptionGroup var source: SourceArguments

    @Option(help: ArgumentHelp("The record.", valueName: "KEY"))
    var key: String?
    @Option(help: ArgumentHelp("The older point A.", valueName: "A"))
    var from: String
    @Option(help: ArgumentHelp("The newer point B (default: end).", valueName: "B"))
    var to: String = "end"
    @Option(help: ArgumentHelp("Output: text, json-patch or json.", valueName: "FORMAT"))
    var format: DiffFormat = .text

    func run() throws {
        guard let key else {
            throw HindsightError(.usage, "diff needs --key KEY", hint: "name the record whose versions to compare, e.g. --key acct-1")
        }
        let opened = try source.open()
        let replayer = Replayer(log: opened.log, rules: opened.rules)
        if try replayer.versions(of: key).isEmpty {
            throw HindsightError(.notFound, "no record with key \"\(TextSafety.escape(key))\" in \(TextSafety.escape(opened.name))",
                                 hint: "list keys with: hindsight events \(opened.name)")
        }
        let a = try replayer.resolve(try PositionSpec(from), key: key)
        let b = try replayer.resolve(try PositionSpec(to), key: key)
        let before = try replayer.state(of: key, at: a.offset)
        let after = try replayer.state(of: key, at: b.offset)
        Output.note("\(TextSafety.escape(key)): A = \(label(a)), B = \(label(b))")
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

    private func label(_ p: ResolvedPosition) -> String {
        if p.offset < 0 { return "before the first event" }
        let v = p.version.map { $0 == 0 ? "not yet created" : "v\($0)" } ?? "?"
        return "\(v) (after offset \(p.offset))"
    }
}
