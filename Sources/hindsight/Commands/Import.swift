import ArgumentParser
import HindsightCore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append the events of INPUT (a file or -) to a log, creating it if needed.",
        discussion: """
            The format is detected from the first event (CloudEvents if it has specversion; kcat -J if it has \
            topic, partition and payload; else JSON Lines) and can be forced with --format. Gzip input is read \
            transparently. Events whose id is already in the log are skipped (reported), so importing the \
            same file twice appends nothing the second time. Invalid input appends nothing and names the \
            line; --skip-invalid imports the valid events and lists the bad ones. The import is durable \
            (fsync) before the command reports success.

            Times: RFC 3339 strings, or epoch numbers read by magnitude: below 10^11 seconds, below 10^14 \
            milliseconds, else microseconds.

            Examples:
              hindsight import sample-data/bank-account.jsonl --log /tmp/bank
              gzip -dc events.jsonl.gz | hindsight import - --log /tmp/events
              hindsight import gharchive.json --log /tmp/gh --key-field repo.name --time-field created_at
              hindsight import batch.json --log /tmp/ce --format cloudevents
            """
    )

    @Argument(help: ArgumentHelp("The input file (JSONL, CloudEvents JSON, kcat -J; .gz is fine), or - for stdin.", valueName: "INPUT"))
    var input: String

    @Option(name: .customLong("log"), help: ArgumentHelp("The log directory to append to.", valueName: "DIR"))
    var log: String

    @Option(name: .customLong("format"), help: ArgumentHelp("Input format: auto, jsonl, cloudevents, kcat.", valueName: "FORMAT"))
    var format: InputFormat = .auto

    @Flag(name: .customLong("skip-invalid"), help: "Skip invalid events (listed on stderr) instead of refusing the input.")
    var skipInvalid = false

    @OptionGroup var fields: FieldFlags

    @Option(name: .customLong("segment-bytes"), help: ArgumentHelp("Segment size limit for a new log (default 64 MiB).", valueName: "BYTES"))
    var segmentBytes: Int?

    @Option(name: .customLong("output"), help: ArgumentHelp("Report format: text or json.", valueName: "FORMAT"))
    var output: ReadFormat = .text

    func run() throws {
        if let segmentBytes, segmentBytes < 4096 {
            throw HindsightError(.usage, "--segment-bytes must be at least 4096")
        }
        var options = try fields.importOptions(format: format, skipInvalid: skipInvalid)
        // Fields: the flags, over the rules file's fields, over the mapping stored with an existing log.
        var base = (try? LogMeta.read(directory: log))?.fields ?? FieldMapping()
        var rules: Rules?
        if let path = fields.rules {
            let parsed = try Rules.parse(try readFile(path), name: path)
            rules = parsed
            if let ruleFields = parsed.fields { base = ruleFields }
        }
        options.fields = options.overriding(base)
        // A large input file is mapped, not copied (a SIGBUS, if it is cut short meanwhile, becomes an error).
        InputData.exitOnMappedInputFault(message: "hindsight: \(TextSafety.escape(input)): the file was cut short while it was being imported "
            + "(events appended before that stay in the log; import the whole file again: events already in are skipped)")
        let data = try InputData.read(path: input, mapping: true)
        let progress = Output.Progress()
        // Read and check the whole input before touching the log: bad input writes nothing.
        let parsed = try ImportJob.parse(data, options: options) { progress.update($0) }
        let writer = try LogWriter(directory: log, create: true, segmentBytes: segmentBytes, fields: options.fields)
        defer { writer.close() }
        if writer.recoveredBytes > 0 {
            progress.finish()
            Output.note("hindsight: cut a torn tail of \(writer.recoveredBytes) bytes left by an interrupted write (no acknowledged event was in it)")
        }
        let result = try ImportJob.append(parsed, into: writer) { progress.update($0) }
        progress.finish()
        if let rules { try writer.storeRules(rules.source) }
        try writer.storeFields(options.fields)
        for bad in result.invalid {
            Output.note("skipped \(data.name): \(bad.location): \(bad.reason)")
        }
        switch output {
        case .json, .jsonl:
            let report: JSON = [
                "log": .string(log),
                "input": .string(data.name),
                "format": .string(result.format.rawValue),
                "events": .int(Int64(result.events)),
                "appended": .int(Int64(result.appended)),
                "duplicates": .int(Int64(result.duplicates)),
                "invalid": .array(result.invalid.map { ["location": .string($0.location), "reason": .string($0.reason)] }),
                "recoveredBytes": .int(Int64(result.recoveredBytes)),
                "firstOffset": .int(result.firstOffset),
                "records": .int(result.nextOffset),
            ]
            Output.line(JSONSerializer.compact(report))
        case .text:
            var text = "imported \(Format.grouped(result.appended)) event\(result.appended == 1 ? "" : "s") from \(TextSafety.escape(data.name)) (\(result.format.rawValue))"
            if result.appended > 0 { text += " at offsets \(result.firstOffset)...\(result.nextOffset - 1)" }
            if result.duplicates > 0 { text += "; skipped \(Format.grouped(result.duplicates)) duplicate\(result.duplicates == 1 ? "" : "s") (id already in the log)" }
            if !result.invalid.isEmpty { text += "; skipped \(result.invalid.count) invalid" }
            Output.line(text)
            Output.line("\(TextSafety.escape(log)) now holds \(Format.grouped(result.nextOffset)) record\(result.nextOffset == 1 ? "" : "s")")
        }
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    Array(try InputData.read(path: path).bytes)
}
