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
    /// With blame on: the offset of the event that last set each leaf (by JSON Pointer text).
    var blame: [String: Int64] = [:]

    static func make(_ s: ExplorerState, _ data: ExplorerData, diffWidth: Int) -> PaneContent {
        var c = PaneContent()
        guard let offset = s.selectedOffset(total: data.count), let r = try? data.record(at: offset) else { return c }
        c.record = r
        c.version = try? data.version(at: offset, key: r.key)
        c.state = (try? data.state(of: r.key, at: offset)) ?? nil
        if let state = c.state {
            c.stateRows = JSONView.rows(state, folded: s.folded)
            if s.showBlame, let lines = try? Blame.blame(Timeline(replayer: data.replayer), key: r.key, at: offset) {
                for l in lines { c.blame[l.path.description] = l.record.offset }
            }
        }
        if let a = s.markA, Explorer.focusedKey(s) == nil {
            c.crossDiff(a: a, b: s.markB ?? offset, selectionIsB: s.markB == nil, data, width: diffWidth)
            return c
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

    /// Every record's changes between A and B (marks with all events shown: no record in focus).
    mutating func crossDiff(a: Int64, b: Int64, selectionIsB: Bool, _ data: ExplorerData, width: Int) {
        diffTitle = "all records: A @\(a) → B @\(b)" + (selectionIsB ? " (B: selection)" : "")
        guard let before = try? data.replayer.states(at: a), let after = try? data.replayer.states(at: b) else {
            diffLines = [Line("cannot replay the log to compare A and B", style: Style(fg: .red))]
            return
        }
        let diffs = CrossDiff.diff(from: before, to: after)
        if diffs.isEmpty {
            diffLines = [Line("no record differs", style: Style(dim: true))]
            return
        }
        let created = diffs.filter { $0.kind == .created }.count, deleted = diffs.filter { $0.kind == .deleted }.count
        diffLines = [Line("\(diffs.count) record\(diffs.count == 1 ? "" : "s"): \(created) created, \(deleted) deleted, \(diffs.count - created - deleted) changed", style: Style(bold: true))]
        for d in diffs.prefix(500) {
            switch d.kind {
            case .created: diffLines.append(Line("+ \(d.key) (created)", style: Style(fg: .green, bold: true)))
            case .deleted: diffLines.append(Line("- \(d.key) (deleted)", style: Style(fg: .red, bold: true)))
            case .changed:
                diffLines.append(Line("~ \(d.key)", style: Style(fg: .yellow, bold: true)))
                for text in DiffText.lines(d.changes, valueWidth: max(10, width - 14)) {
                    let style: Style = text.first == "+" ? Style(fg: .green) : (text.first == "-" ? Style(fg: .red) : Style(fg: .yellow))
                    diffLines.append(Line("  " + text, style: style))
                }
            }
        }
        if diffs.count > 500 { diffLines.append(Line("… and \(diffs.count - 500) more records", style: Style(dim: true))) }
    }
}
