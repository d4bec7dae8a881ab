import Crypto
import Foundation

/// How a command's SOURCE argument is opened.
public struct SourceOptions: Sendable {
    /// `--rules FILE`.
    public var rulesPath: String?
    /// Field flags and format for a JSONL source.
    public var importOptions: ImportOptions
    /// Where imported JSONL sources are cached (default: `$XDG_CACHE_HOME/hindsight` or `~/.cache/hindsight`).
    public var cacheDirectory: String?

    public init(rulesPath: String? = nil, importOptions: ImportOptions = ImportOptions(), cacheDirectory: String? = nil) {
        self.rulesPath = rulesPath
        self.importOptions = importOptions
        self.cacheDirectory = cacheDirectory
    }
}

/// An opened source: a log to read and the rules to fold it with.
public struct OpenedSource {
    public let log: LogReader
    public let rules: Rules
    /// A short name for display (the file or directory name).
    public let name: String
    /// Where the rules came from (`--rules`, a file beside the source, the log, or the default).
    public let rulesOrigin: String
    /// Set when a JSONL source was imported now (not found in the cache).
    public let importResult: ImportResult?
}

/// Opens a SOURCE: a log directory, or a JSONL (CloudEvents, kcat -J) file imported into a cache keyed by
/// its content, so that the second open of the same file is instant.
public enum LogSource {
    public static func open(_ path: String, options: SourceOptions,
                            progress: (@Sendable (ImportProgress) -> Void)? = nil) throws -> OpenedSource {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let pending = try prepare(path, options: options) else {
            let log = try LogReader(directory: path)
            let (rules, origin) = try resolveRules(options: options, beside: nil, stored: log.meta.rules)
            return OpenedSource(log: log, rules: rules, name: name, rulesOrigin: origin, importResult: nil)
        }
        if let cached = try pending.cachedLog() {
            return OpenedSource(log: cached, rules: pending.rules, name: name, rulesOrigin: pending.rulesOrigin, importResult: nil)
        }
        do {
            let result = try pending.run(progress: progress)
            return OpenedSource(log: try pending.finish(), rules: pending.rules, name: name, rulesOrigin: pending.rulesOrigin, importResult: result)
        } catch {
            pending.discard()
            throw error
        }
    }

    /// Resolves a file SOURCE to its cache entry without importing it yet (for the explorer, which
    /// imports in the background and browses what is in so far). A directory SOURCE gives nil.
    public static func prepare(_ path: String, options: SourceOptions) throws -> PendingImport? {
        guard !FileSystem.isDirectory(path) else { return nil }
        guard path == "-" || FileSystem.exists(path) else {
            throw HindsightError(.notFound, "\(path): no such file or log directory", hint: "give a log directory or a JSONL file")
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let (rules, origin) = try resolveRules(options: options, beside: path == "-" ? nil : path, stored: nil)
        var importOptions = options.importOptions
        if let fields = rules.fields {
            importOptions.fields = importOptions.overriding(fields)
            importOptions.explicitFields.formUnion(fieldNames(in: rules.source))
        }
        return try PendingImport(path: path, name: name, rules: rules, rulesOrigin: origin, importOptions: importOptions,
                                 cacheRoot: options.cacheDirectory ?? defaultCacheDirectory())
    }

    static func fieldNames(in rules: JSON) -> Set<String> {
        guard case .object(let o)? = rules["fields"] else { return [] }
        return Set(o.keys)
    }

    /// `$XDG_CACHE_HOME/hindsight`, else `~/.cache/hindsight`.
    public static func defaultCacheDirectory() -> String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/hindsight" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()
        return home + "/.cache/hindsight"
    }

    /// The cache entry name: a hash of the input's bytes and of everything that shapes its import.
    static func cacheKey(input: InputData, options: ImportOptions) -> String {
        var hasher = SHA256()
        input.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        let shape = "format=\(LogMeta.currentFormat);record=\(RecordFormat.version);fields=\(JSONSerializer.compact(options.fields.toJSON()));explicit=\(options.explicitFields.sorted());input=\(options.format.rawValue);skip=\(options.skipInvalid)"
        hasher.update(data: Array(shape.utf8))
        return ChainHash(bytes: Array(hasher.finalize().prefix(16))).hex
    }

    /// The rules to fold with: `--rules`, else `NAME.rules.json` beside a JSONL source, else the log's
    /// stored rules, else merge everything.
    public static func resolveRules(options: SourceOptions, beside path: String?, stored: JSON?) throws -> (Rules, String) {
        if let rulesPath = options.rulesPath {
            guard FileSystem.exists(rulesPath) else {
                throw HindsightError(.notFound, "rules file \(rulesPath) does not exist", hint: "check the --rules path")
            }
            return (try Rules.parse(try FileSystem.readAll(rulesPath), name: rulesPath), rulesPath)
        }
        if let path, let beside = rulesFile(beside: path), FileSystem.exists(beside) {
            return (try Rules.parse(try FileSystem.readAll(beside), name: beside), beside)
        }
        if let stored {
            return (try Rules(json: stored), "stored with the log")
        }
        return (Rules.mergeAll, "default (merge patch)")
    }

    /// `dir/NAME.rules.json` for `dir/NAME.jsonl` (also `.json`, `.ndjson`, with or without `.gz`).
    public static func rulesFile(beside path: String) -> String? {
        var base = path
        if base.hasSuffix(".gz") { base = String(base.dropLast(3)) }
        for ext in [".jsonl", ".ndjson", ".json"] where base.hasSuffix(ext) {
            return String(base.dropLast(ext.count)) + ".rules.json"
        }
        return base + ".rules.json"
    }
}

/// A file SOURCE on its way into the cache: import it (in batches, readable as it goes) into a
/// staging directory, then move it into place.
public final class PendingImport: @unchecked Sendable {
    public let name: String
    public let rules: Rules
    public let rulesOrigin: String
    public let importOptions: ImportOptions
    public let input: InputData
    /// The cache entry (a log directory) once imported.
    public let directory: String
    /// Where the import writes until it is complete.
    public let staging: String
    let cacheRoot: String

    init(path: String, name: String, rules: Rules, rulesOrigin: String, importOptions: ImportOptions, cacheRoot: String) throws {
        self.name = name
        self.rules = rules
        self.rulesOrigin = rulesOrigin
        self.importOptions = importOptions
        self.cacheRoot = cacheRoot
        self.input = try InputData.read(path: path)
        self.directory = cacheRoot + "/" + LogSource.cacheKey(input: input, options: importOptions)
        self.staging = directory + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// The cached log, when this input was imported before.
    public func cachedLog() throws -> LogReader? {
        FileSystem.exists(directory + "/" + LogMeta.fileName) ? try LogReader(directory: directory) : nil
    }

    /// Imports into the staging directory in batches; `batchDone` is called after each durable batch.
    /// On failure the staging directory stays (a reader may be showing it): `discard()` removes it.
    public func run(batchSize: Int = 50_000, progress: (@Sendable (ImportProgress) -> Void)? = nil,
                    batchDone: ((ImportResult) -> Bool)? = nil) throws -> ImportResult {
        try FileSystem.makeDirectory(cacheRoot)
        try? FileManager.default.removeItem(atPath: staging)
        let writer = try LogWriter(directory: staging, create: true, fields: importOptions.fields)
        defer { writer.close() }
        if rules.source != Rules.mergeAll.source { try writer.storeRules(rules.source) }
        return try ImportJob.stream(input, into: writer, options: importOptions, batchSize: batchSize, progress: progress, batchDone: batchDone)
    }

    /// Moves the finished import into the cache and opens it.
    public func finish() throws -> LogReader {
        if rename(staging, directory) != 0 {
            discard()
            guard FileSystem.exists(directory + "/" + LogMeta.fileName) else {
                throw HindsightError(.io, "cannot move the imported log into the cache at \(directory)", hint: "check that \(cacheRoot) is writable")
            }
        }
        return try LogReader(directory: directory)
    }

    /// Removes the staging directory (a failed or abandoned import).
    public func discard() {
        try? FileManager.default.removeItem(atPath: staging)
    }
}
