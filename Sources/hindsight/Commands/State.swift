import ArgumentParser
import HindsightCore

struct State: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the state at a point as JSON: one record with --key, else an object of key -> state.",
        discussion: """
            Exactly one JSON document goes to stdout (so `| jq` works); a note of what --at resolved to goes \
            to stderr. A record that does not exist at that point (not yet created, or deleted) prints null.

            --at takes an offset (state after that record), a time (the last record whose running-maximum \
            event time is at or before it), a version with --key (v2), start or end (the default).

            Examples:
              hindsight state sample-data/bank-account.jsonl --key acct-1
              hindsight state sample-data/bank-account.jsonl --key acct-1 --at 1
              hindsight state bank.log --at 2026-11-21T09:05:00Z | jq .
              hindsight state bank.log --key acct-1 --skip 1      (what if offset 1 had never happened)
            """
    )

    @OptionGroup var source: SourceArguments

    @Option(help: ArgumentHelp("Offset, time, version (with --key), start or end (default: end).", valueName: "POS"))
    var at: String?
    @Option(help: ArgumentHelp("The record to show.", valueName: "KEY"))
    var key: String?
    @OptionGroup var skipping: SkipOption
    @Option(help: ArgumentHelp("Output: json (pretty, default), jsonl (compact), text (same as json).", valueName: "FORMAT"))
    var format: ReadFormat = .json

    func run() throws {
        let opened = try source.open()
        let replayer = Replayer(log: opened.log, rules: opened.rules)
        let spec = try at.map { try PositionSpec($0) } ?? .end
        if let key { try opened.requireRecord(key, in: replayer) }
        let position = try replayer.resolve(spec, key: key)
        let timeline = Timeline(replayer: replayer, skip: try skipping.offsets)
        var note = Describe.position(position, spec: spec, log: opened.log, key: key)
        if timeline.isAlternate { note += "; as if offsets \(timeline.skip.sorted().map(String.init).joined(separator: ",")) had never happened" }
        Output.note(note)
        if key == nil, format == .jsonl, !timeline.isAlternate,
            try replayer.writeStatesJSON(at: position.offset, { Output.write(bytes: $0) })
        {
            // Compact output of every record with the default rule: the states as stored text, no trees.
            Output.line()
            return
        }
        let document: JSON
        if let key {
            document = try timeline.state(of: key, at: position.offset) ?? .null
        } else {
            let map = try timeline.states(at: position.offset)
            var o = JSONObject(minimumCapacity: map.count)
            for k in map.keys.sorted() { o[k] = map[k] }
            document = .object(o)
        }
        Output.line(format == .jsonl ? JSONSerializer.compact(document) : JSONSerializer.pretty(document))
    }
}

/// Sentences about positions and records for notes on stderr.
enum Describe {
    static func position(_ p: ResolvedPosition, spec: PositionSpec, log: LogReader, key: String?) -> String {
        var text: String
        if p.offset < 0 {
            text = "state before the first event"
            if case .time(let t) = spec { text += " (every event is after \(t.iso8601))" }
        } else {
            let r = try? log.record(at: p.offset)
            text = "state after offset \(p.offset)"
            if let r { text += " (\(r.eventTime.iso8601), \(TextSafety.escape(r.type.isEmpty ? "-" : r.type)) on \(TextSafety.escape(r.key)); the log has \(log.count) records)" }
            if case .time(let t) = spec { text += ": the last event at or before \(t.iso8601)" }
        }
        if let key, let v = p.version {
            text += v == 0 ? "; \(TextSafety.escape(key)) does not exist yet" : "; \(TextSafety.escape(key)) is at version \(v)"
        }
        return text
    }
}
