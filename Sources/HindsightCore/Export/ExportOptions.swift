/// Which records an audit export covers: `--key`, `--type` and an inclusive `--from` / `--to` range
/// (the same semantics as `hindsight events`).
public struct ExportFilter: Sendable, Equatable {
    /// Only records with this key.
    public var key: String?
    /// Only events of this type (the fold still sees every event, so versions and states are right).
    public var type: String?
    /// First position, inclusive: an offset, a time (the first record whose running-maximum event time is
    /// at or after it), a version (needs `key`), `start` or `end`.
    public var from: PositionSpec?
    /// Last position, inclusive.
    public var to: PositionSpec?

    public init(key: String? = nil, type: String? = nil, from: PositionSpec? = nil, to: PositionSpec? = nil) {
        self.key = key
        self.type = type
        self.from = from
        self.to = to
    }
}

/// How an audit export is made.
public struct ExportOptions: Sendable {
    /// A path into the event data whose value is the row's actor (e.g. `teller`, `/meta/user`).
    public var actorField: FieldPath?
    /// Add the (redacted) event data to each row.
    public var includeData: Bool
    /// Add the record's (redacted) state after the event to each row.
    public var includeState: Bool
    /// Values to replace with keyed hashes in data, state, actor and summary.
    public var redactor: Redactor?
    /// The export time written to the manifest (nil: now). Tests and reproducible exports set it.
    public var exportTime: Timestamp?
    /// The tool and version written to the manifest, e.g. `hindsight 0.1.0`.
    public var tool: String
    /// The source's display name for the manifest (nil: the log directory's name).
    public var sourceName: String?
    /// The display width summaries are cut to.
    public var summaryWidth: Int
    /// Called now and then with (records scanned, records to scan).
    public var progress: (@Sendable (Int64, Int64) -> Void)?

    public static let defaultSummaryWidth = 100

    public init(actorField: FieldPath? = nil, includeData: Bool = false, includeState: Bool = false, redactor: Redactor? = nil,
                exportTime: Timestamp? = nil, tool: String = "hindsight", sourceName: String? = nil,
                summaryWidth: Int = ExportOptions.defaultSummaryWidth, progress: (@Sendable (Int64, Int64) -> Void)? = nil) {
        self.actorField = actorField
        self.includeData = includeData
        self.includeState = includeState
        self.redactor = redactor
        self.exportTime = exportTime
        self.tool = tool
        self.sourceName = sourceName
        self.summaryWidth = summaryWidth
        self.progress = progress
    }
}

/// What an export wrote.
public struct ExportSummary: Sendable {
    /// The number of rows.
    public var rows: Int
    /// The digest closing the rows' chain (the last row's rowHash), hex.
    public var digest: String
    /// The manifest as written.
    public var manifest: AuditManifest
    /// The export file (nil when written to a stream).
    public var path: String?
    /// Where the manifest went when it is a sidecar (CSV).
    public var manifestPath: String?
}
