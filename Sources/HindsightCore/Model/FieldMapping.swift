/// Where an event's key, type, id, time and data are found (DESIGN.md "Field defaults").
public struct FieldMapping: Sendable, Equatable {
    /// Path of the entity key (default `key`).
    public var key: FieldPath
    /// Path of the event type (default `type`).
    public var type: FieldPath
    /// Path of the event id (default `id`).
    public var id: FieldPath
    /// Candidate paths of the event time, first present wins (default `time`, `timestamp`, `ts`).
    public var time: [FieldPath]
    /// Path of the event data; nil means "the `data` member when present, else the whole event".
    public var data: FieldPath?

    public init(key: FieldPath = FieldPath(components: ["key"]), type: FieldPath = FieldPath(components: ["type"]),
                id: FieldPath = FieldPath(components: ["id"]),
                time: [FieldPath] = [FieldPath(components: ["time"]), FieldPath(components: ["timestamp"]), FieldPath(components: ["ts"])],
                data: FieldPath? = nil) {
        self.key = key
        self.type = type
        self.id = id
        self.time = time
        self.data = data
    }

    /// Reads `{"key": "account", "type": "type", "time": "timestamp", "id": "id", "data": "data"}`;
    /// `time` may also be an array of candidate paths. Missing members keep their defaults.
    public init(json: JSON) throws {
        self.init()
        guard case .object(let o) = json else {
            if json.isNull { return }
            throw HindsightError(.usage, "\"fields\" must be an object of field paths")
        }
        for (name, value) in o {
            func path(_ v: JSON) throws -> FieldPath {
                guard let s = v.stringValue else {
                    throw HindsightError(.usage, "\"fields\".\"\(TextSafety.escape(name))\" must be a string path such as \"account\" or \"/account\"")
                }
                return try FieldPath(s)
            }
            switch name {
            case "key": key = try path(value)
            case "type": type = try path(value)
            case "id": id = try path(value)
            case "data": data = try path(value)
            case "time":
                if case .array(let items) = value {
                    var paths: [FieldPath] = []
                    for item in items { paths.append(try path(item)) }
                    time = paths
                } else {
                    time = [try path(value)]
                }
            default:
                throw HindsightError(.usage, "unknown field \"\(TextSafety.escape(name))\" in \"fields\"", hint: "use key, type, id, time or data")
            }
        }
    }

    public func toJSON() -> JSON {
        var o: JSONObject = [
            "key": .string(key.text),
            "type": .string(type.text),
            "id": .string(id.text),
            "time": time.count == 1 ? .string(time[0].text) : .array(time.map { .string($0.text) }),
        ]
        if let data { o["data"] = .string(data.text) }
        return .object(o)
    }
}
