#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The log's description, stored as `log.json` in the log directory (written atomically).
public struct LogMeta: Sendable, Equatable {
    /// The log format version this build writes and reads.
    public static let currentFormat = 1
    public static let fileName = "log.json"
    /// Default segment size limit: 64 MiB.
    public static let defaultSegmentBytes = 64 << 20

    public var format: Int
    /// Segments roll when they would grow beyond this many bytes.
    public var segmentBytes: Int
    /// The field mapping used when events were imported (for the record).
    public var fields: FieldMapping
    /// The fold rules stored with the log (from `import --rules`), if any.
    public var rules: JSON?
    /// When the log was created.
    public var created: Timestamp

    public init(format: Int = LogMeta.currentFormat, segmentBytes: Int = LogMeta.defaultSegmentBytes,
                fields: FieldMapping = FieldMapping(), rules: JSON? = nil, created: Timestamp) {
        self.format = format
        self.segmentBytes = segmentBytes
        self.fields = fields
        self.rules = rules
        self.created = created
    }

    func toJSON() -> JSON {
        var o: JSONObject = [
            "format": .int(Int64(format)),
            "tool": .string("hindsight"),
            "segmentBytes": .int(Int64(segmentBytes)),
            "created": .string(created.iso8601),
            "fields": fields.toJSON(),
        ]
        if let rules { o["rules"] = rules }
        return .object(o)
    }

    public static func read(directory: String) throws -> LogMeta {
        let path = directory + "/" + fileName
        if access(path, F_OK) != 0 && errno == EACCES {
            // An unreadable directory: say so, rather than "not a log".
            throw RawFile.ioError("cannot read \(directory)", EACCES)
        }
        guard FileSystem.exists(path) else {
            if FileSystem.isDirectory(directory) {
                throw HindsightError(.badInput, "\(directory) is not a hindsight log (it has no \(fileName))",
                                     hint: "create a log with: hindsight import FILE --log \(directory)")
            }
            throw HindsightError(.notFound, "\(directory): no such log directory", hint: "check the path")
        }
        let bytes = try FileSystem.readAll(path)
        let json: JSON
        do { json = try JSONParser.parse(bytes) } catch {
            throw HindsightError(.corrupt, "\(path): not valid JSON (\(error))", hint: "restore log.json from a backup or re-import the events")
        }
        guard case .object(let o) = json, let f = o["format"]?.numberValue?.int64 else {
            throw HindsightError(.corrupt, "\(path): missing \"format\"", hint: "restore log.json from a backup or re-import the events")
        }
        if f > Int64(currentFormat) {
            throw HindsightError(.unsupported, "\(directory) is a log of format \(f), written by a newer hindsight; this build reads format \(currentFormat)",
                                 hint: "upgrade hindsight to read it")
        }
        guard f >= 1 else { throw HindsightError(.corrupt, "\(path): invalid format \(f)") }
        let segmentBytes = o["segmentBytes"]?.numberValue?.int64.map { Int($0) } ?? defaultSegmentBytes
        let created = o["created"]?.stringValue.flatMap(Timestamp.parse) ?? Timestamp(microseconds: 0)
        let fields = (try? FieldMapping(json: o["fields"] ?? .null)) ?? FieldMapping()
        return LogMeta(format: Int(f), segmentBytes: max(4096, segmentBytes), fields: fields, rules: o["rules"], created: created)
    }

    func write(directory: String) throws {
        var bytes = Array(JSONSerializer.pretty(toJSON()).utf8)
        bytes.append(0x0A)
        try FileSystem.writeAtomically(directory + "/" + LogMeta.fileName, bytes)
    }
}
