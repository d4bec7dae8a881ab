import Crypto

/// The columns of an audit export, in order. `data` and `state` are there only when asked for.
public struct AuditColumns: Sendable, Equatable {
    public var includeData: Bool
    public var includeState: Bool

    public init(includeData: Bool = false, includeState: Bool = false) {
        self.includeData = includeData
        self.includeState = includeState
    }

    /// The columns before the optional ones.
    public static let fixed = ["seq", "offset", "logTime", "eventTime", "key", "type", "id", "version", "actor", "summary", "hash", "prev"]

    /// Every column name in order, ending with `rowHash`.
    public var names: [String] {
        var out = AuditColumns.fixed
        if includeData { out.append("data") }
        if includeState { out.append("state") }
        out.append("rowHash")
        return out
    }

    /// The columns that hold JSON documents (written as JSON text in CSV and Markdown cells).
    public static let jsonColumns: Set<String> = ["data", "state"]
    /// The columns that hold integers.
    public static let integerColumns: Set<String> = ["seq", "offset", "version"]

    /// Reads the columns from their names (as a header or a manifest lists them); nil when they are not
    /// a valid column list.
    public init?(names: [String]) {
        let data = names.contains("data"), state = names.contains("state")
        let expected = AuditColumns(includeData: data, includeState: state)
        guard expected.names == names else { return nil }
        self = expected
    }
}

/// One row of an audit export: a record of the log with its version, the change it made and its hashes.
///
/// A row's *canonical content* is the compact JSON object of every column but `rowHash`, in column
/// order, with `data` and `state` in ``CanonicalJSON`` form. Its `rowHash` is
/// `SHA256(previous row's rowHash || SHA256(canonical content))`, the first row chaining from the
/// manifest's `manifestHash`: so each row's digest covers its own content, its place (`seq`) and every
/// row before it.
public struct AuditRow: Sendable, Equatable {
    /// 1-based position of the row in the export.
    public var seq: Int
    /// The record's offset in the log.
    public var offset: Int64
    /// RFC 3339 UTC times.
    public var logTime: String
    public var eventTime: String
    public var key: String
    public var type: String
    public var id: String
    /// The record's version (1-based count of its key's events up to this one).
    public var version: Int
    /// The value at the export's actor field in the (redacted) event data: a string as is, other JSON as
    /// compact text, empty when absent.
    public var actor: String
    /// A one-line summary of the change (``DiffText/summary(_:in:maxWidth:)``).
    public var summary: String
    /// The record's chain hash and the previous record's chain hash in the log (hex).
    public var hash: String
    public var prev: String
    /// The event data (when exported), redacted.
    public var data: JSON?
    /// The record's state after the event (when exported; `null` for a deleted record), redacted.
    public var state: JSON?
    /// The chained row digest (hex).
    public var rowHash: String

    public init(seq: Int, offset: Int64, logTime: String, eventTime: String, key: String, type: String, id: String,
                version: Int, actor: String, summary: String, hash: String, prev: String, data: JSON? = nil, state: JSON? = nil,
                rowHash: String = "") {
        self.seq = seq
        self.offset = offset
        self.logTime = logTime
        self.eventTime = eventTime
        self.key = key
        self.type = type
        self.id = id
        self.version = version
        self.actor = actor
        self.summary = summary
        self.hash = hash
        self.prev = prev
        self.data = data
        self.state = state
        self.rowHash = rowHash
    }

    /// Appends the row's canonical content (see the type's documentation) to `out`.
    public func writeCanonical(into out: inout [UInt8], columns: AuditColumns) {
        func member(_ name: StaticString, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func int(_ v: Int64) {
            if v >= 0 && v < 10 { out.append(UInt8(ascii: "0") + UInt8(v)); return }
            out.append(contentsOf: String(v).utf8)
        }
        out.append(UInt8(ascii: "{"))
        member("seq", first: true); int(Int64(seq))
        member("offset"); int(offset)
        member("logTime"); JSONStringWriter.write(logTime, into: &out)
        member("eventTime"); JSONStringWriter.write(eventTime, into: &out)
        member("key"); JSONStringWriter.write(key, into: &out)
        member("type"); JSONStringWriter.write(type, into: &out)
        member("id"); JSONStringWriter.write(id, into: &out)
        member("version"); int(Int64(version))
        member("actor"); JSONStringWriter.write(actor, into: &out)
        member("summary"); JSONStringWriter.write(summary, into: &out)
        member("hash"); JSONStringWriter.write(hash, into: &out)
        member("prev"); JSONStringWriter.write(prev, into: &out)
        if columns.includeData {
            member("data"); CanonicalJSON.write(data ?? .null, into: &out)
        }
        if columns.includeState {
            member("state"); CanonicalJSON.write(state ?? .null, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// The row's canonical content.
    public func canonical(columns: AuditColumns) -> [UInt8] {
        var out: [UInt8] = []
        writeCanonical(into: &out, columns: columns)
        return out
    }

    /// `SHA256(previous || SHA256(canonical))`: the digest a row with this canonical content must carry after `previous`.
    public static func chainedHash(previous: ChainHash, canonical: [UInt8]) -> ChainHash {
        chainedHash(previous: previous, content: contentDigest(canonical))
    }

    /// `SHA256(canonical)`: the digest of one row's content alone.
    public static func contentDigest(_ canonical: [UInt8]) -> ChainHash {
        SHA256.hash(data: canonical).withUnsafeBytes { ChainHash(bytes: Array($0)) }
    }

    /// `SHA256(previous || content)`.
    public static func chainedHash(previous: ChainHash, content: ChainHash) -> ChainHash {
        var hasher = SHA256()
        hasher.update(data: previous.bytes)
        hasher.update(data: content.bytes)
        return hasher.finalize().withUnsafeBytes { ChainHash(bytes: Array($0)) }
    }

    /// The value of a column as text (for messages): strings as they are, JSON as compact text.
    public func text(of column: String) -> String {
        switch column {
        case "seq": return String(seq)
        case "offset": return String(offset)
        case "logTime": return logTime
        case "eventTime": return eventTime
        case "key": return key
        case "type": return type
        case "id": return id
        case "version": return String(version)
        case "actor": return actor
        case "summary": return summary
        case "hash": return hash
        case "prev": return prev
        case "data": return JSONSerializer.compact(data ?? .null)
        case "state": return JSONSerializer.compact(state ?? .null)
        case "rowHash": return rowHash
        default: return ""
        }
    }
}
