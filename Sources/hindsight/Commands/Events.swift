import ArgumentParser
import HindsightCore

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List records (filters: --key --type --from --to).",
        discussion: """
            --from and --to are inclusive positions: offsets (120), times (2026-11-21T15:00:00Z), start or end.

            Examples:
              hindsight events sample-data/bank-account.jsonl
              hindsight events bank.log --key acct-1 --format jsonl
              hindsight events bank.log --type DEPOSIT --from 2026-11-21T09:00:00Z --to 2026-11-21T12:00:00Z
            """
    )

    @OptionGroup var source: SourceArguments

    @Option(help: ArgumentHelp("Only records with this key.", valueName: "KEY"))
    var key: String?
    @Option(help: ArgumentHelp("Only events of this type.", valueName: "TYPE"))
    var type: String?
    @Option(help: ArgumentHelp("First position (offset or time), inclusive.", valueName: "POS"))
    var from: String?
    @Option(help: ArgumentHelp("Last position (offset or time), inclusive.", valueName: "POS"))
    var to: String?
    @Option(help: ArgumentHelp("At most this many events.", valueName: "N"))
    var limit: Int?
    @Option(help: ArgumentHelp("Output: text, json (one array) or jsonl.", valueName: "FORMAT"))
    var format: ReadFormat = .text

    func run() throws {
        let opened = try source.open()
        let replayer = Replayer(log: opened.log, rules: opened.rules)
        let log = opened.log
        var first: Int64 = 0
        var last: Int64 = log.count - 1
        if let from { first = try firstOffset(from: try PositionSpec(from), replayer) }
        if let to { last = try replayer.resolve(try PositionSpec(to)).offset }
        if let limit, limit < 0 { throw HindsightError(.usage, "--limit must be 0 or more") }
        let printer = EventPrinter(format: format, offsetWidth: String(max(0, log.count - 1)).count)
        var shown = 0
        func visit(_ r: Record) -> Bool {
            if let type, r.type != type { return true }
            if let limit, shown >= limit { return false }
            printer.print(r)
            shown += 1
            return true
        }
        printer.begin()
        if let key {
            for offset in try log.offsets(forKey: key) where offset >= first && offset <= last {
                if !visit(try log.record(at: offset)) { break }
            }
        } else if first <= last {
            try log.forEach(from: first, to: last + 1) { visit($0) }
        }
        printer.end()
        if format == .text && shown == 0 {
            Output.note("no events match" + (key.map { " (key \(TextSafety.escape($0)))" } ?? "") + (type.map { " (type \(TextSafety.escape($0)))" } ?? ""))
        }
    }

    /// The first offset a --from position includes: for a time, the first record whose running-maximum
    /// event time is at or after it.
    private func firstOffset(from spec: PositionSpec, _ replayer: Replayer) throws -> Int64 {
        if case .time(let t) = spec {
            return try replayer.offset(at: Timestamp(microseconds: t.microseconds - 1)) + 1
        }
        return max(0, try replayer.resolve(spec).offset)
    }
}

/// Prints records as a text table, a JSON array or JSON Lines.
struct EventPrinter {
    let format: ReadFormat
    let offsetWidth: Int
    private let first = Box()

    final class Box { var value = true }

    init(format: ReadFormat, offsetWidth: Int) {
        self.format = format
        self.offsetWidth = max(6, offsetWidth)
    }

    func begin() {
        switch format {
        case .json: Output.write("[")
        case .jsonl: break
        case .text:
            Output.line(TextSafety.pad("OFFSET", toWidth: offsetWidth, alignment: .right) + "  " + Format.cell("EVENT TIME", 24) + "  "
                        + Format.cell("KEY", 16) + "  " + Format.cell("TYPE", 16) + "  DATA")
        }
    }

    func print(_ r: Record) {
        switch format {
        case .json:
            Output.write(first.value ? "\n  " : ",\n  ")
            first.value = false
            Output.write(JSONSerializer.compact(r.json()))
        case .jsonl:
            Output.line(JSONSerializer.compact(r.json()))
        case .text:
            let data = TextSafety.truncate(JSONSerializer.compact(r.data()), toWidth: 60)
            Output.line(TextSafety.pad(String(r.offset), toWidth: offsetWidth, alignment: .right) + "  " + Format.cell(r.eventTime.iso8601, 24) + "  "
                        + Format.cell(r.key, 16) + "  " + Format.cell(r.type.isEmpty ? "-" : r.type, 16) + "  " + data)
        }
    }

    func end() {
        if format == .json { Output.line(first.value ? "]" : "\n]") }
    }
}
