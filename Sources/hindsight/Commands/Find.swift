import ArgumentParser
import Foundation
import HindsightCore

struct Find: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the first event where an expression over a record's state turns true.",
        discussion: """
            Like a watchpoint in a debugger: the log is replayed from --from (default: the start; with \
            --backward, the end) to the first event where EXPR turns from false to true for the record \
            it touches. EXPR reads the record's state after the event (balance, owner.name, items[0].sku, \
            items[*].sku), the state before it (before.balance) and the event (event.type, event.key, \
            event.time, event.data.amount); it has ==, !=, <, <=, >, >=, and, or, not, exists(path), \
            changed(path), numbers, "strings", true, false and null. Expressions that read the event or \
            use changed() match every event where they hold.

            Exit status: 0 with a match, 1 when nothing matches.

            Examples:
              hindsight find sample-data/bank-account.jsonl --when 'balance < 100' --key acct-1
              hindsight find bank.log --when 'status == "frozen"'
              hindsight find bank.log --when 'changed(balance) and event.data.amount > 100' --format json
              hindsight find bank.log --when 'balance > 1000' --from 2026-11-21T15:00:00Z --backward
              hindsight find bank.log --when 'balance < 0' --skip 12      (as if offset 12 never happened)
            """
    )

    @OptionGroup var source: SourceArguments

    @Option(help: ArgumentHelp("The watch expression.", valueName: "EXPR"))
    var when: String
    @Option(help: ArgumentHelp("Only this record (default: every record).", valueName: "KEY"))
    var key: String?
    @Option(help: ArgumentHelp("Where to start: offset, time, version (with --key), start or end.", valueName: "POS"))
    var from: String?
    @Flag(help: "Search backward (the last match at or before --from).")
    var backward = false
    @OptionGroup var skipping: SkipOption
    @Option(help: ArgumentHelp("Output: text or json.", valueName: "FORMAT"))
    var format: ReadFormat = .text

    func run() throws {
        let expression = try WatchExpression.parse(when)
        let opened = try source.open()
        let replayer = Replayer(log: opened.log, rules: opened.rules)
        let timeline = Timeline(replayer: replayer, skip: try skipping.offsets)
        if let key { try opened.requireRecord(key, in: replayer) }
        let start: Int64
        if let from {
            start = max(0, try replayer.resolve(try PositionSpec(from), key: key).offset)
        } else {
            start = backward ? opened.log.count - 1 : 0
        }
        guard let match = try Finder.find(expression, in: timeline, key: key, from: start, backward: backward) else {
            if format == .text {
                Output.line("no event \(backward ? "at or before" : "at or after") offset \(start) makes \(expression) turn true" + (key.map { " for \(TextSafety.escape($0))" } ?? ""))
            } else {
                Output.line("null")
            }
            Output.flush()
            throw ExitCode(1)
        }
        let r = match.record
        switch format {
        case .json, .jsonl:
            let doc: JSON = [
                "offset": .int(r.offset),
                "key": .string(r.key),
                "logTime": .string(r.logTime.iso8601),
                "eventTime": .string(r.eventTime.iso8601),
                "event": r.json(),
                "before": match.before ?? .null,
                "state": match.after ?? .null,
                "expression": .string(expression.description),
            ]
            Output.line(format == .json ? JSONSerializer.pretty(doc) : JSONSerializer.compact(doc))
        case .text:
            Output.line("offset \(r.offset)  \(r.eventTime.iso8601)  \(TextSafety.escape(r.key))  \(TextSafety.escape(r.type.isEmpty ? "-" : r.type))  (id \(TextSafety.escape(r.id)))")
            Output.line("event data: " + JSONSerializer.compact(r.data()))
            let changes = StructuralDiff.changes(from: match.before, to: match.after)
            if !changes.isEmpty {
                Output.line("it changed:")
                for line in DiffText.lines(changes, valueWidth: 70) { Output.line("  " + line) }
            }
            Output.line("state after it:")
            Output.line(match.after.map { JSONSerializer.pretty($0) } ?? "null (deleted)")
        }
    }
}
