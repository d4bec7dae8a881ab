import HindsightCore

/// What the state and diff panes show for the current selection (computed from the data on demand).
struct PaneContent {
    /// The selected record.
    var record: Record?
    var version: (number: Int, of: Int)?
    /// The record's state after the selected event (nil: deleted or not created).
    var state: JSON?
    var stateRows: [JSONView.Row] = []
    var diffTitle = ""
    var diffLines: [Line] = []

    static func make(_ s: ExplorerState, _ data: ExplorerData, diffWidth: Int) -> PaneContent {
        var c = PaneContent()
        guard let offset = s.selectedOffset(total: data.count), let r = try? data.record(at: offset) else { return c }
        c.record = r
        c.version = try? data.version(at: offset, key: r.key)
        c.state = (try? data.state(of: r.key, at: offset)) ?? nil
        if let state = c.state {
            c.stateRows = JSONView.rows(state, folded: s.folded)
        }
        let before: JSON?
        let after: JSON?
        if let a = s.markA {
            // Marks: A vs B (B defaults to the selection) for the selected record.
            let b = s.markB ?? offset
            before = (try? data.state(of: r.key, at: a)) ?? nil
            after = (try? data.state(of: r.key, at: b)) ?? nil
            c.diffTitle = "\(r.key): A @\(a) → B @\(b)" + (s.markB == nil ? " (B: selection)" : "")
        } else {
            let n = c.version?.number ?? 1
            before = n > 1 ? ((try? data.replayer.state(of: r.key, afterVersions: n - 1)) ?? nil) : nil
            after = c.state
            c.diffTitle = "what @\(offset) changed in \(r.key): v\(max(0, n - 1)) → v\(n)"
        }
        let changes = StructuralDiff.changes(from: before, to: after)
        if changes.isEmpty {
            c.diffLines = [Line("no change", style: Style(dim: true))]
        } else if before == nil, let after {
            c.diffLines = [Line("+ created", style: Style(fg: .green, bold: true))]
                + JSONView.rows(after, folded: []).map { Line(spans: [Span("+ ", style: Style(fg: .green))] + $0.line.spans) }
        } else if after == nil {
            c.diffLines = [Line("- deleted (tombstone): the record leaves the state; its history stays", style: Style(fg: .red, bold: true))]
        } else {
            c.diffLines = DiffText.lines(changes, valueWidth: max(10, diffWidth - 12)).map { text in
                let style: Style
                switch text.first {
                case "+": style = Style(fg: .green)
                case "-": style = Style(fg: .red)
                default: style = Style(fg: .yellow)
                }
                return Line(text, style: style)
            }
        }
        return c
    }
}
