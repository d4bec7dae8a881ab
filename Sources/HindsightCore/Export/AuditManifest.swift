import Crypto

/// The formats an audit export is written in.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// JSON Lines: the manifest on the first line, then one row per line.
    case jsonl
    /// RFC 4180 CSV with a header row; the manifest in a sidecar `FILE.manifest.json`.
    case csv
    /// A Markdown table for people, the manifest in a closing section.
    case markdown
}

/// What a redacted export was redacted with (never the key itself).
public struct RedactionInfo: Sendable, Equatable {
    /// `HMAC-SHA256-128`: HMAC-SHA256 of the value's canonical JSON, cut to 128 bits.
    public var algorithm: String
    /// The redacted paths, as JSON Pointers, in the order they are applied.
    public var paths: [String]
    /// A fingerprint of the key (``Redactor/keyID``), so a verifier can tell the right key file.
    public var keyID: String

    public init(algorithm: String = Redactor.algorithm, paths: [String], keyID: String) {
        self.algorithm = algorithm
        self.paths = paths
        self.keyID = keyID
    }
}

/// The manifest that travels with every audit export: where the rows come from, how they were chosen
/// and made, how many there are and the digest that closes their chain.
///
/// `manifestHash` is `SHA256("hindsight-audit/1\n" || canonical JSON of the manifest without
/// manifestHash, rows and digest)`; the first row chains from it. `digest` is the last row's
/// `rowHash` (the `manifestHash` itself when there are no rows).
public struct AuditManifest: Sendable, Equatable {
    /// The export format version this build writes and reads.
    public static let formatVersion = 1
    /// The domain prefix of `manifestHash`.
    static let domain = Array("hindsight-audit/1\n".utf8)

    public var tool: String
    /// RFC 3339 UTC.
    public var exportedAt: String
    public var format: ExportFormat
    /// The source's display name.
    public var source: String
    /// The number of records in the log at export time, and the chain hash of the last one (its head).
    public var logRecords: Int64
    public var headHash: String
    /// The inclusive offset range the rows were chosen from (empty when `firstOffset > lastOffset`).
    public var firstOffset: Int64
    public var lastOffset: Int64
    /// `--from` / `--to` as given.
    public var fromSpec: String?
    public var toSpec: String?
    /// `--key` / `--type` filters.
    public var key: String?
    public var type: String?
    public var columns: AuditColumns
    /// `--actor-field`, as given.
    public var actorField: String?
    /// The width summaries were cut to.
    public var summaryWidth: Int
    public var redaction: RedactionInfo?
    /// The fold rules the states and summaries were computed with (as written).
    public var rules: JSON
    public var manifestHash: String
    public var rows: Int
    public var digest: String

    public init(tool: String, exportedAt: String, format: ExportFormat, source: String, logRecords: Int64, headHash: String,
                firstOffset: Int64, lastOffset: Int64, fromSpec: String?, toSpec: String?, key: String?, type: String?,
                columns: AuditColumns, actorField: String?, summaryWidth: Int, redaction: RedactionInfo?, rules: JSON,
                manifestHash: String = "", rows: Int = 0, digest: String = "") {
        self.tool = tool
        self.exportedAt = exportedAt
        self.format = format
        self.source = source
        self.logRecords = logRecords
        self.headHash = headHash
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.fromSpec = fromSpec
        self.toSpec = toSpec
        self.key = key
        self.type = type
        self.columns = columns
        self.actorField = actorField
        self.summaryWidth = summaryWidth
        self.redaction = redaction
        self.rules = rules
        self.manifestHash = manifestHash
        self.rows = rows
        self.digest = digest
    }

    private static func optional(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }

    /// The members covered by `manifestHash`, in the order they are written.
    public func coreJSON() -> JSONObject {
        var o: JSONObject = [:]
        o["hindsightAudit"] = .int(Int64(AuditManifest.formatVersion))
        o["tool"] = .string(tool)
        o["exportedAt"] = .string(exportedAt)
        o["format"] = .string(format.rawValue)
        o["source"] = .string(source)
        o["log"] = ["records": .int(logRecords), "headHash": .string(headHash)]
        o["range"] = ["from": .int(firstOffset), "to": .int(lastOffset), "fromSpec": Self.optional(fromSpec), "toSpec": Self.optional(toSpec)]
        o["filters"] = ["key": Self.optional(key), "type": Self.optional(type)]
        o["columns"] = .array(columns.names.map { .string($0) })
        o["actorField"] = Self.optional(actorField)
        o["summaryWidth"] = .int(Int64(summaryWidth))
        if let r = redaction {
            o["redaction"] = ["algorithm": .string(r.algorithm), "paths": .array(r.paths.map { .string($0) }), "keyId": .string(r.keyID)]
        } else {
            o["redaction"] = .null
        }
        o["rules"] = rules
        return o
    }

    /// The whole manifest as JSON: the core, then `manifestHash`, `rows` and `digest`.
    public func json() -> JSON {
        var o = coreJSON()
        o["manifestHash"] = .string(manifestHash)
        o["rows"] = .int(Int64(rows))
        o["digest"] = .string(digest)
        return .object(o)
    }

    /// The `manifestHash` the core members give.
    public func computedManifestHash() -> ChainHash {
        var hasher = SHA256()
        hasher.update(data: AuditManifest.domain)
        hasher.update(data: CanonicalJSON.bytes(.object(coreJSON())))
        return ChainHash(bytes: Array(hasher.finalize()))
    }

    /// Reads a manifest; `origin` names where it came from in errors (e.g. `export.jsonl line 1`).
    public init(json: JSON, origin: String) throws {
        func fail(_ what: String) -> HindsightError {
            HindsightError(.corrupt, "\(origin): the manifest \(what)", hint: "the export is damaged or is not a hindsight audit export")
        }
        guard case .object(let o) = json else { throw fail("is not a JSON object") }
        guard let version = o["hindsightAudit"]?.numberValue?.int64 else { throw fail("has no \"hindsightAudit\" version") }
        guard version == Int64(AuditManifest.formatVersion) else {
            throw HindsightError(.unsupported, "\(origin): audit export format \(version) is not one this build reads (\(AuditManifest.formatVersion))",
                                 hint: "verify it with the hindsight version that made it")
        }
        func string(_ v: JSON?, _ name: String) throws -> String {
            guard let s = v?.stringValue else { throw fail("has no string \"\(name)\"") }
            return s
        }
        func optionalString(_ v: JSON?, _ name: String) throws -> String? {
            guard let v, !v.isNull else { return nil }
            guard let s = v.stringValue else { throw fail("has a \"\(name)\" that is not a string or null") }
            return s
        }
        func int(_ v: JSON?, _ name: String) throws -> Int64 {
            guard let n = v?.numberValue?.int64 else { throw fail("has no integer \"\(name)\"") }
            return n
        }
        tool = try string(o["tool"], "tool")
        exportedAt = try string(o["exportedAt"], "exportedAt")
        guard let f = ExportFormat(rawValue: try string(o["format"], "format")) else { throw fail("names an unknown \"format\"") }
        format = f
        source = try string(o["source"], "source")
        let log = o["log"] ?? .null
        logRecords = try int(log["records"], "log.records")
        headHash = try string(log["headHash"], "log.headHash")
        let range = o["range"] ?? .null
        firstOffset = try int(range["from"], "range.from")
        lastOffset = try int(range["to"], "range.to")
        fromSpec = try optionalString(range["fromSpec"], "range.fromSpec")
        toSpec = try optionalString(range["toSpec"], "range.toSpec")
        let filters = o["filters"] ?? .null
        key = try optionalString(filters["key"], "filters.key")
        type = try optionalString(filters["type"], "filters.type")
        guard let names = o["columns"]?.arrayValue?.compactMap(\.stringValue), let cols = AuditColumns(names: names) else {
            throw fail("has no valid \"columns\" list")
        }
        columns = cols
        actorField = try optionalString(o["actorField"], "actorField")
        summaryWidth = Int(try int(o["summaryWidth"], "summaryWidth"))
        if let r = o["redaction"], !r.isNull {
            guard let paths = r["paths"]?.arrayValue?.compactMap(\.stringValue) else { throw fail("has a \"redaction\" without \"paths\"") }
            redaction = RedactionInfo(algorithm: try string(r["algorithm"], "redaction.algorithm"), paths: paths,
                                      keyID: try string(r["keyId"], "redaction.keyId"))
        } else {
            redaction = nil
        }
        rules = o["rules"] ?? .emptyObject
        manifestHash = try string(o["manifestHash"], "manifestHash")
        rows = Int(try int(o["rows"], "rows"))
        digest = try string(o["digest"], "digest")
    }
}
