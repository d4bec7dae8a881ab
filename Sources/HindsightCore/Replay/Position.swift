import Foundation

/// A point in a log as users write it on the command line: `v3` (a version of the record),
/// `120` (an offset), `2026-11-21T15:00:00Z` or `@1763737200` (a time), `start` (before the first event) or `end`.
public enum PositionSpec: Sendable, Equatable, CustomStringConvertible {
    case version(Int)
    case offset(Int64)
    case time(Timestamp)
    case start
    case end

    public init(_ text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        let lower = t.lowercased()
        if lower == "start" || lower == "begin" { self = .start; return }
        if lower == "end" || lower == "latest" || lower == "now" { self = .end; return }
        if lower.hasPrefix("v"), let n = Int(lower.dropFirst()) {
            guard n >= 1 else { throw HindsightError(.usage, "versions start at v1, not \(t)") }
            self = .version(n)
            return
        }
        if let n = Int64(t) {
            guard n >= -1 else { throw HindsightError(.usage, "offset \(t) is negative", hint: "offsets start at 0; -1 or 'start' is before the first event") }
            self = .offset(n)
            return
        }
        if t.hasPrefix("@"), let ts = Timestamp.parse(String(t.dropFirst())) {
            self = .time(ts)
            return
        }
        if let ts = Timestamp.parse(t), t.contains("-") {
            self = .time(ts)
            return
        }
        throw HindsightError(.usage, "\"\(TextSafety.escape(t))\" is not a position",
                             hint: "write an offset (120), a version (v3), a time (2026-11-21T15:00:00Z, or @EPOCH), start or end")
    }

    public var description: String {
        switch self {
        case .version(let n): return "v\(n)"
        case .offset(let o): return String(o)
        case .time(let t): return t.iso8601
        case .start: return "start"
        case .end: return "end"
        }
    }
}

/// A position resolved to an offset, with how it was reached (for the "resolved to" note).
public struct ResolvedPosition: Sendable, Equatable {
    /// The offset (-1: before the first event).
    public var offset: Int64
    /// The version number, when the position names one or a record is in focus.
    public var version: Int?
    public var spec: PositionSpec
}

extension Replayer {
    /// Resolves a position; versions need a key.
    public func resolve(_ spec: PositionSpec, key: String? = nil) throws -> ResolvedPosition {
        let last = log.count - 1
        switch spec {
        case .start:
            return ResolvedPosition(offset: -1, version: key == nil ? nil : 0, spec: spec)
        case .end:
            return ResolvedPosition(offset: last, version: try key.map { try versionCount(of: $0, at: last) }, spec: spec)
        case .offset(let o):
            guard o <= last else {
                throw HindsightError(.notFound, "offset \(o) is beyond the end of the log (it has \(log.count) records: 0...\(max(0, last)))")
            }
            return ResolvedPosition(offset: o, version: try key.map { try versionCount(of: $0, at: o) }, spec: spec)
        case .time(let t):
            let o = try offset(at: t)
            return ResolvedPosition(offset: o, version: try key.map { try versionCount(of: $0, at: o) }, spec: spec)
        case .version(let n):
            guard let key else {
                throw HindsightError(.usage, "v\(n) names a version of a record", hint: "add --key KEY, or give an offset or a time")
            }
            let offsets = try versions(of: key)
            guard n <= offsets.count else {
                throw HindsightError(.notFound, "record \"\(TextSafety.escape(key))\" has \(offsets.count) version\(offsets.count == 1 ? "" : "s"); there is no v\(n)")
            }
            return ResolvedPosition(offset: offsets[n - 1], version: n, spec: spec)
        }
    }
}
