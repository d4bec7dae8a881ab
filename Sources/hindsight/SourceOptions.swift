import ArgumentParser
import HindsightCore

extension InputFormat: ExpressibleByArgument {}

/// Field flags shared by every command that reads events from JSON.
struct FieldFlags: ParsableArguments {
    @Option(name: .customLong("key-field"), help: ArgumentHelp("Path of the entity key (default: key).", valueName: "PATH"))
    var keyField: String?
    @Option(name: .customLong("type-field"), help: ArgumentHelp("Path of the event type (default: type).", valueName: "PATH"))
    var typeField: String?
    @Option(name: .customLong("time-field"), help: ArgumentHelp("Path of the event time (default: the first of time, timestamp, ts).", valueName: "PATH"))
    var timeField: String?
    @Option(name: .customLong("id-field"), help: ArgumentHelp("Path of the event id (default: id; events without one get a content hash).", valueName: "PATH"))
    var idField: String?
    @Option(name: .customLong("data-field"), help: ArgumentHelp("Path of the event data (default: the data member, else the whole event).", valueName: "PATH"))
    var dataField: String?
    @Option(name: .customLong("rules"), help: ArgumentHelp("Fold rules (JSON). Default: NAME.rules.json beside a JSONL source, the rules stored with a log, else merge patch.", valueName: "FILE"))
    var rules: String?

    func importOptions(format: InputFormat = .auto, skipInvalid: Bool = false) throws -> ImportOptions {
        var fields = FieldMapping()
        var explicit: Set<String> = []
        if let keyField { fields.key = try FieldPath(keyField); explicit.insert("key") }
        if let typeField { fields.type = try FieldPath(typeField); explicit.insert("type") }
        if let timeField { fields.time = [try FieldPath(timeField)]; explicit.insert("time") }
        if let idField { fields.id = try FieldPath(idField); explicit.insert("id") }
        if let dataField { fields.data = try FieldPath(dataField); explicit.insert("data") }
        return ImportOptions(fields: fields, explicitFields: explicit, format: format, skipInvalid: skipInvalid)
    }
}

/// The SOURCE argument with its field flags, opened into a log and rules.
struct SourceArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("A log directory, or a JSONL / CloudEvents / kcat -J file (imported into a cache).", valueName: "SOURCE"))
    var source: String

    @OptionGroup var fields: FieldFlags

    @Option(name: .customLong("input-format"), help: ArgumentHelp("Format of a file SOURCE: auto, jsonl, cloudevents, kcat.", valueName: "FORMAT"))
    var inputFormat: InputFormat = .auto

    func open() throws -> OpenedSource {
        let options = SourceOptions(rulesPath: fields.rules, importOptions: try fields.importOptions(format: inputFormat))
        let progress = Output.Progress()
        defer { progress.finish() }
        return try LogSource.open(source, options: options) { progress.update($0) }
    }
}

extension OpenedSource {
    /// Fails clearly when the log has no record with `key` (a typo, or the wrong log).
    func requireRecord(_ key: String, in replayer: Replayer) throws {
        guard try replayer.versions(of: key).isEmpty else { return }
        throw HindsightError(.notFound, "no record with key \"\(TextSafety.escape(key))\" in \(TextSafety.escape(name))",
                             hint: "list keys with: hindsight events \(name)")
    }
}

/// `--skip OFFSETS`: replay as if those events had never happened.
struct SkipOption: ParsableArguments {
    @Option(help: ArgumentHelp("Replay as if these offsets had never happened (comma-separated).", valueName: "OFFSETS"))
    var skip: String?

    var offsets: Set<Int64> {
        get throws { try skip.map(parseOffsetList) ?? [] }
    }
}

/// Output format of the read commands.
enum ReadFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl
}
