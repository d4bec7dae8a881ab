extension Record {
    /// The record as a JSON object: offset, times (RFC 3339 UTC), id, key, type, data and, when present, meta.
    public func json(includeData: Bool = true) -> JSON {
        var o: JSONObject = [
            "offset": .int(offset),
            "logTime": .string(logTime.iso8601),
            "eventTime": .string(eventTime.iso8601),
            "id": .string(id),
            "key": .string(key),
            "type": .string(type),
        ]
        if includeData { o["data"] = data() }
        if let m = metadata() { o["meta"] = m }
        return .object(o)
    }
}
