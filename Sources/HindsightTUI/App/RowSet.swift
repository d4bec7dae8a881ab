/// The rows the event list shows: every record, or the offsets of a filter or of one record's versions.
public struct RowSet: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case all
        case key(String)
        case type(String)
        /// One record's versions (the versioned-record view).
        case versions(String)
    }

    public var kind: Kind
    /// The offsets shown, ascending; nil means all offsets `0 ..< count`.
    public var offsets: [Int64]?

    public static let all = RowSet(kind: .all, offsets: nil)

    public func count(total: Int64) -> Int {
        offsets?.count ?? Int(total)
    }

    public func offset(atRow row: Int) -> Int64 {
        if let offsets { return offsets[min(max(0, row), offsets.count - 1)] }
        return Int64(row)
    }

    /// The row showing `offset`, or the last row before it (0 when there is none).
    public func row(of offset: Int64, total: Int64) -> Int {
        guard let offsets else { return Int(min(max(0, offset), max(0, total - 1))) }
        var lo = 0, hi = offsets.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if offsets[mid] <= offset { lo = mid + 1 } else { hi = mid }
        }
        return max(0, lo - 1)
    }

    /// A short description for the status line.
    public var label: String {
        switch kind {
        case .all: return "all events"
        case .key(let k): return "key = \(k)"
        case .type(let t): return "type = \(t)"
        case .versions(let k): return "versions of \(k)"
        }
    }
}
