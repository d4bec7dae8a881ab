import ArgumentParser
import HindsightCore

struct Blame: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blame",
        abstract: "Show which event last set each field of a record's state.",
        discussion: """
            Examples:
              hindsight blame sample-data/bank-account.jsonl --key acct-1
              hindsight blame bank.log --key acct-1 --at 2026-11-21T12:00:00Z --format json
            """
    )

    @OptionGroup var source: SourceArguments

    @Option(help: ArgumentHelp("The record.", valueName: "KEY"))
    var key: String
    @Option(help: ArgumentHelp("Offset, time, version, start or end (default: end).", valueName: "POS"))
    var at: String?
    @OptionGroup var skipping: SkipOption
    @Option(help: ArgumentHelp("Output: text or json.", valueName: "FORMAT"))
    var format: ReadFormat = .text

    func run() throws {
        let opened = try source.open()
        let replayer = Replayer(log: opened.log, rules: opened.rules)
        try opened.requireRecord(key, in: replayer)
        let timeline = Timeline(replayer: replayer, skip: try skipping.offsets)
        let position = try replayer.resolve(try at.map { try PositionSpec($0) } ?? .end, key: key)
        let lines = try HindsightCore.Blame.blame(timeline, key: key, at: position.offset)
        switch format {
        case .json, .jsonl:
            let items = lines.map { l -> JSON in
                ["path": .string(l.path.description), "field": .string(DiffText.dottedPath(l.path)), "value": l.value,
                 "offset": .int(l.record.offset), "eventTime": .string(l.record.eventTime.iso8601), "type": .string(l.record.type), "id": .string(l.record.id)]
            }
            Output.line(JSONSerializer.pretty(.array(items)))
        case .text:
            if lines.isEmpty {
                Output.line("\(TextSafety.escape(key)) has no state at offset \(position.offset) (not created yet, or deleted)")
                return
            }
            let width = min(40, lines.map { TextSafety.displayWidth(DiffText.dottedPath($0.path)) }.max() ?? 10)
            let offsetWidth = String(lines.map(\.record.offset).max() ?? 0).count
            for l in lines {
                let field = Format.cell(DiffText.dottedPath(l.path), width)
                let value = TextSafety.truncate(JSONSerializer.compact(l.value), toWidth: 30)
                Output.line("\(field)  \(TextSafety.pad(value, toWidth: 30))  @\(TextSafety.pad(String(l.record.offset), toWidth: offsetWidth, alignment: .right))  \(l.record.eventTime.iso8601)  \(TextSafety.escape(l.record.type))")
            }
        }
    }
}
