import HindsightCore

/// Something the app loop does after an update (work outside the state value).
public enum ExplorerEffect: Sendable, Equatable {
    /// Export the audit log of the current view to a file.
    case export(path: String)
}

/// The explorer's update: input event -> next state (reading the log through `data`).
public enum Explorer {
    /// Applies one input event. Reads go through `data`; nothing is ever written to the log.
    public static func update(_ s: inout ExplorerState, _ event: InputEvent, _ data: ExplorerData) -> [ExplorerEffect] {
        switch event {
        case .resize(let size):
            s.size = size
            clampSelection(&s, data)
            return []
        case .tick:
            if s.following, (try? data.refresh()) == true {
                refreshRows(&s, data)
                select(&s, data, row: s.rows.count(total: data.count) - 1)
            }
            return []
        case .mouse(let m):
            mouse(&s, m, data)
            return []
        case .key(let key):
            s.message = nil
            if s.prompt != nil { return promptKey(&s, key, data) }
            if s.showHelp {
                helpKey(&s, key)
                return []
            }
            guard let action = KeyMap.action(for: key) else {
                if case .char(let c) = key { s.message = StatusMessage(text: "\(c): no such key (? shows the keys)", kind: .warning) }
                return []
            }
            return perform(&s, action, data)
        }
    }

    static func layout(_ s: ExplorerState) -> ExplorerLayout { ExplorerLayout(size: s.size) }

    // MARK: Actions

    static func perform(_ s: inout ExplorerState, _ action: ExplorerAction, _ data: ExplorerData) -> [ExplorerEffect] {
        let l = layout(s)
        let rowCount = s.rows.count(total: data.count)
        switch action {
        case .quit: s.quit = true
        case .help:
            s.showHelp = true
            s.helpScroll = 0
        case .up, .down, .pageUp, .pageDown:
            let page = action == .pageUp || action == .pageDown
            let sign = action == .up || action == .pageUp ? -1 : 1
            switch s.focus {
            case .events: select(&s, data, row: s.selectedRow + sign * (page ? l.visibleRows : 1))
            case .state:
                let rows = PaneContent.make(s, data, diffWidth: l.diff.width).stateRows.count
                s.stateCursor = min(max(0, s.stateCursor + sign * (page ? l.stateLines : 1)), max(0, rows - 1))
                if s.stateCursor < s.stateScroll { s.stateScroll = s.stateCursor }
                if s.stateCursor >= s.stateScroll + l.stateLines { s.stateScroll = s.stateCursor - l.stateLines + 1 }
            case .diff:
                let lines = PaneContent.make(s, data, diffWidth: l.diff.width).diffLines.count
                s.diffScroll = min(max(0, s.diffScroll + sign * (page ? l.diffLines : 1)), max(0, lines - l.diffLines))
            }
        case .first: select(&s, data, row: 0)
        case .last: select(&s, data, row: rowCount - 1)
        case .timelineBack, .timelineForward: stepTimeline(&s, data, forward: action == .timelineForward)
        case .jumpBack, .jumpForward: jumpTenPercent(&s, data, forward: action == .jumpForward)
        case .nextPane: s.focus = Pane(rawValue: (s.focus.rawValue + 1) % Pane.allCases.count) ?? .events
        case .previousPane: s.focus = Pane(rawValue: (s.focus.rawValue + Pane.allCases.count - 1) % Pane.allCases.count) ?? .events
        case .open:
            if s.focus == .state {
                toggleFold(&s, data)
            } else if let offset = s.selectedOffset(total: data.count), let r = try? data.record(at: offset) {
                openVersions(&s, data, key: r.key, offset: offset)
            }
        case .back:
            if s.markA != nil || s.markB != nil {
                s.markA = nil
                s.markB = nil
                s.message = StatusMessage(text: "marks cleared", kind: .info)
            } else if s.rows.kind != .all {
                let offset = s.selectedOffset(total: data.count) ?? 0
                s.rows = s.previousRows ?? .all
                s.previousRows = nil
                select(&s, data, row: s.rows.row(of: offset, total: data.count))
            } else if s.focus != .events {
                s.focus = .events
            }
        case .jump: openPrompt(&s, .jump)
        case .search: openPrompt(&s, .search)
        case .filter: openPrompt(&s, .filter)
        case .export:
            s.prompt = .export
            s.promptState = PromptState(text: "audit-" + (data.name.split(separator: ".").first.map(String.init) ?? "log") + ".jsonl")
        case .nextMatch, .previousMatch:
            guard let text = s.searchText else {
                s.message = StatusMessage(text: "no search yet: press / to search", kind: .warning)
                return []
            }
            search(&s, data, text, forward: action == .nextMatch)
        case .clearFilter:
            let offset = s.selectedOffset(total: data.count) ?? 0
            s.rows = .all
            s.previousRows = nil
            select(&s, data, row: Int(offset))
            s.message = StatusMessage(text: "filter cleared", kind: .info)
        case .mark:
            guard let offset = s.selectedOffset(total: data.count) else { return [] }
            if s.markA == nil {
                s.markA = offset
                s.message = StatusMessage(text: "mark A at offset \(offset): move and press m again for B", kind: .info)
            } else if s.markB == nil {
                s.markB = offset
                s.message = StatusMessage(text: "mark B at offset \(offset): the diff pane shows A vs B (m again or Esc clears)", kind: .info)
            } else {
                s.markA = nil
                s.markB = nil
                s.message = StatusMessage(text: "marks cleared", kind: .info)
            }
            s.diffScroll = 0
        case .follow:
            s.following.toggle()
            if s.following {
                _ = try? data.refresh()
                refreshRows(&s, data)
                select(&s, data, row: s.rows.count(total: data.count) - 1)
            }
            s.message = StatusMessage(text: s.following ? "following the log: new events appear as they are appended (L stops)" : "stopped following", kind: .info)
        case .verify:
            verify(&s, data)
        case .watch:
            s.prompt = .watch
            s.promptState = PromptState(text: s.watch?.description ?? "")
        case .watchForward, .watchBackward:
            runWatch(&s, data, forward: action == .watchForward)
        case .blame:
            s.showBlame.toggle()
            s.message = StatusMessage(text: s.showBlame ? "blame: each field shows the offset of the event that last set it (c jumps there)" : "blame off", kind: .info)
        case .lastChange:
            jumpToLastChange(&s, data)
        }
        return []
    }

    // MARK: Selection

    static func select(_ s: inout ExplorerState, _ data: ExplorerData, row: Int) {
        let count = s.rows.count(total: data.count)
        let previousKey = s.selectedOffset(total: data.count).flatMap { try? data.record(at: $0).key }
        s.selectedRow = min(max(0, row), max(0, count - 1))
        clampSelection(&s, data)
        let key = s.selectedOffset(total: data.count).flatMap { try? data.record(at: $0).key }
        if key != previousKey {
            s.stateScroll = 0
            s.stateCursor = 0
            s.folded = []
        }
        s.diffScroll = 0
    }

    /// Keeps the selection inside the rows and visible in the list.
    static func clampSelection(_ s: inout ExplorerState, _ data: ExplorerData) {
        let count = s.rows.count(total: data.count)
        s.selectedRow = min(max(0, s.selectedRow), max(0, count - 1))
        let visible = layout(s).visibleRows
        if s.selectedRow < s.listTop { s.listTop = s.selectedRow }
        if s.selectedRow >= s.listTop + visible { s.listTop = s.selectedRow - visible + 1 }
        s.listTop = min(max(0, s.listTop), max(0, count - visible))
    }

    /// Selects the row for `offset` (the last row at or before it in a filtered view).
    static func selectOffset(_ s: inout ExplorerState, _ data: ExplorerData, _ offset: Int64, forward: Bool? = nil) {
        var row = s.rows.row(of: offset, total: data.count)
        if let forward, let current = s.selectedOffset(total: data.count) {
            // In a filtered view a move must still move.
            if forward && s.rows.offset(atRow: row) <= current { row = min(s.selectedRow + 1, s.rows.count(total: data.count) - 1) }
            if !forward && s.rows.offset(atRow: row) >= current { row = max(0, s.selectedRow - 1) }
        }
        select(&s, data, row: row)
    }

    static func stepTimeline(_ s: inout ExplorerState, _ data: ExplorerData, forward: Bool) {
        guard let offset = s.selectedOffset(total: data.count) else { return }
        let width = layout(s).timelineWidth
        let histogram = data.histogram(width: width)
        var c = data.column(of: offset, width: width)
        repeat {
            c += forward ? 1 : -1
        } while c > 0 && c < width - 1 && histogram[c] == 0
        let target = c < 0 ? 0 : data.offset(atColumn: c, width: width)
        selectOffset(&s, data, target, forward: forward)
    }

    static func jumpTenPercent(_ s: inout ExplorerState, _ data: ExplorerData, forward: Bool) {
        guard let offset = s.selectedOffset(total: data.count) else { return }
        let target: Int64
        if let range = data.timeRange(), let r = try? data.record(at: offset) {
            let step = (range.upperBound - range.lowerBound) / 10
            let t = min(max(r.eventTime.microseconds, range.lowerBound), range.upperBound) + (forward ? step : -step)
            target = t > range.upperBound ? data.count - 1 : max(0, data.offset(atTime: t))
        } else {
            target = min(max(0, offset + (forward ? 1 : -1) * max(1, data.count / 10)), data.count - 1)
        }
        selectOffset(&s, data, target, forward: forward)
    }

    static func openVersions(_ s: inout ExplorerState, _ data: ExplorerData, key: String, offset: Int64) {
        guard let versions = try? data.replayer.versions(of: key) else { return }
        if s.rows.kind == .versions(key) { return }
        s.previousRows = s.rows
        s.rows = RowSet(kind: .versions(key), offsets: versions)
        select(&s, data, row: s.rows.row(of: offset, total: data.count))
        s.message = StatusMessage(text: "\(versions.count) version\(versions.count == 1 ? "" : "s") of \(key) (Esc: all events)", kind: .info)
    }

    /// Re-reads the rows after the log grew (a background import or a follow); keeps the selection,
    /// or follows the end when `stickToEnd`.
    public static func logDidGrow(_ s: inout ExplorerState, _ data: ExplorerData, stickToEnd: Bool = false) {
        refreshRows(&s, data)
        if stickToEnd { select(&s, data, row: s.rows.count(total: data.count) - 1) }
    }

    /// Re-reads filtered rows after the log grew.
    static func refreshRows(_ s: inout ExplorerState, _ data: ExplorerData) {
        switch s.rows.kind {
        case .all: break
        case .key(let k), .versions(let k):
            if let offsets = try? data.replayer.versions(of: k) { s.rows.offsets = offsets }
        case .type(let t):
            if let offsets = try? data.offsets(ofType: t) { s.rows.offsets = offsets }
        }
        clampSelection(&s, data)
    }

    // MARK: State pane

    static func toggleFold(_ s: inout ExplorerState, _ data: ExplorerData) {
        let rows = PaneContent.make(s, data, diffWidth: layout(s).diff.width).stateRows
        guard s.stateCursor < rows.count else { return }
        let row = rows[s.stateCursor]
        guard row.foldable else {
            s.message = StatusMessage(text: "only objects and arrays fold", kind: .info)
            return
        }
        if s.folded.contains(row.path) { s.folded.remove(row.path) } else { s.folded.insert(row.path) }
    }

    // MARK: Prompts

    static func openPrompt(_ s: inout ExplorerState, _ purpose: PromptPurpose) {
        s.prompt = purpose
        s.promptState = PromptState(text: purpose == .search ? (s.searchText ?? "") : "")
    }

    static func promptKey(_ s: inout ExplorerState, _ key: Key, _ data: ExplorerData) -> [ExplorerEffect] {
        if key == .ctrl("c") {
            s.prompt = nil
            return []
        }
        switch s.promptState.handle(key) {
        case .cancelled:
            s.prompt = nil
        case .submitted(let text):
            let purpose = s.prompt
            s.prompt = nil
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { return [] }
            switch purpose {
            case .jump: jump(&s, data, trimmed)
            case .search:
                s.searchText = trimmed
                search(&s, data, trimmed, forward: true)
            case .filter: filter(&s, data, trimmed)
            case .export: return [.export(path: trimmed)]
            case .watch:
                do {
                    s.watch = try WatchExpression.parse(trimmed)
                    s.message = StatusMessage(text: "watching \(s.watch?.description ?? trimmed): > runs forward, < backward", kind: .info)
                } catch let e as HindsightError {
                    s.message = StatusMessage(text: e.message, kind: .error)
                } catch {
                    s.message = StatusMessage(text: "\(error)", kind: .error)
                }
            case nil: break
            }
        default:
            break
        }
        return []
    }

    static func jump(_ s: inout ExplorerState, _ data: ExplorerData, _ text: String) {
        let spec: PositionSpec
        do { spec = try PositionSpec(text) } catch let e as HindsightError {
            s.message = StatusMessage(text: e.description, kind: .error)
            return
        } catch {
            return
        }
        let key: String? = {
            if case .versions(let k) = s.rows.kind { return k }
            return s.selectedOffset(total: data.count).flatMap { try? data.record(at: $0).key }
        }()
        do {
            let p = try data.replayer.resolve(spec, key: key)
            if p.offset < 0 {
                select(&s, data, row: 0)
                s.message = StatusMessage(text: "\(text) is before the first event: showing the first", kind: .info)
                return
            }
            selectOffset(&s, data, p.offset)
            var note = "offset \(p.offset)"
            if case .time(let t) = spec { note += ": the last event at or before \(t.iso8601)" }
            if case .version(let n) = spec, let key { note = "\(key) v\(n) is at offset \(p.offset)" }
            s.message = StatusMessage(text: note, kind: .info)
        } catch let e as HindsightError {
            s.message = StatusMessage(text: e.description, kind: .error)
        } catch {
            s.message = StatusMessage(text: "\(error)", kind: .error)
        }
    }

    static func filter(_ s: inout ExplorerState, _ data: ExplorerData, _ text: String) {
        var kind: RowSet.Kind
        if text.hasPrefix("type:") {
            kind = .type(String(text.dropFirst(5)).trimmingCharacters(in: .whitespaces))
        } else if text.hasPrefix("key:") {
            kind = .key(String(text.dropFirst(4)).trimmingCharacters(in: .whitespaces))
        } else if let v = try? data.replayer.versions(of: text), !v.isEmpty {
            kind = .key(text)
        } else {
            kind = .type(text)
        }
        let offsets: [Int64]
        switch kind {
        case .key(let k): offsets = (try? data.replayer.versions(of: k)) ?? []
        case .type(let t): offsets = (try? data.offsets(ofType: t)) ?? []
        default: offsets = []
        }
        guard !offsets.isEmpty else {
            s.message = StatusMessage(text: "no events match \(text) (try key:K or type:T)", kind: .warning)
            return
        }
        let current = s.selectedOffset(total: data.count) ?? 0
        s.previousRows = nil
        s.rows = RowSet(kind: kind, offsets: offsets)
        select(&s, data, row: s.rows.row(of: current, total: data.count))
        s.message = StatusMessage(text: "\(offsets.count) event\(offsets.count == 1 ? "" : "s") with \(s.rows.label) (F clears)", kind: .info)
    }

    /// Finds the next (or previous) row whose record contains `text`, wrapping around the ends.
    static func search(_ s: inout ExplorerState, _ data: ExplorerData, _ text: String, forward: Bool) {
        guard let current = s.selectedOffset(total: data.count) else { return }
        var wrapped = false
        var found = find(s, data, text, forward: forward, after: current)
        if found == nil {
            wrapped = true
            found = find(s, data, text, forward: forward, after: forward ? -1 : data.count)
        }
        if let found, found != current || !wrapped {
            selectOffset(&s, data, found)
            s.message = StatusMessage(text: "match at offset \(found)\(wrapped ? " (search wrapped)" : "") (n next, N previous)", kind: .info)
        } else if found == current {
            s.message = StatusMessage(text: "the only event containing \"\(text)\" is this one", kind: .info)
        } else {
            s.message = StatusMessage(text: "no event contains \"\(text)\"", kind: .warning)
        }
    }

    /// The first offset after (or before) `start` in the current rows whose record contains `text`.
    static func find(_ s: ExplorerState, _ data: ExplorerData, _ text: String, forward: Bool, after start: Int64) -> Int64? {
        if let offsets = s.rows.offsets {
            let candidates = forward ? offsets.filter { $0 > start } : offsets.filter { $0 < start }.reversed()
            return candidates.first { o in (try? data.record(at: o)).map { data.matches($0, text) } ?? false }
        }
        var found: Int64?
        if forward {
            try? data.log.forEach(from: start + 1) { r in
                if data.matches(r, text) {
                    found = r.offset
                    return false
                }
                return true
            }
        } else {
            var o = min(start, data.count) - 1
            while o >= 0 {
                if let r = try? data.record(at: o), data.matches(r, text) { return o }
                o -= 1
            }
        }
        return found
    }

    /// The record in focus: the versions view's or the key filter's (nil when all events are shown).
    static func focusedKey(_ s: ExplorerState) -> String? {
        switch s.rows.kind {
        case .versions(let k), .key(let k): return k
        default: return nil
        }
    }

    /// `>` / `<`: runs to the next (previous) event where the watch expression turns true.
    static func runWatch(_ s: inout ExplorerState, _ data: ExplorerData, forward: Bool) {
        guard let watch = s.watch else {
            s.message = StatusMessage(text: "no watch expression: press w to set one", kind: .warning)
            return
        }
        guard let current = s.selectedOffset(total: data.count) else { return }
        let timeline = Timeline(replayer: data.replayer)
        let key = focusedKey(s)
        do {
            let from = forward ? current + 1 : current - 1
            let match = from < 0 || from >= data.count ? nil : try Finder.find(watch, in: timeline, key: key, from: from, backward: !forward)
            guard let match else {
                s.message = StatusMessage(text: "\(watch) does not turn true \(forward ? "after" : "before") offset \(current)" + (key.map { " for \($0)" } ?? ""), kind: .warning)
                return
            }
            if let offsets = s.rows.offsets, !offsets.contains(match.offset) { s.rows = .all }
            selectOffset(&s, data, match.offset)
            s.message = StatusMessage(text: "watch: \(watch) turned true at offset \(match.offset) (\(match.key))", kind: .success)
        } catch let e as HindsightError {
            s.message = StatusMessage(text: e.description, kind: .error)
        } catch {
            s.message = StatusMessage(text: "\(error)", kind: .error)
        }
    }

    /// `c`: selects the event that last changed the state field under the state pane's cursor.
    static func jumpToLastChange(_ s: inout ExplorerState, _ data: ExplorerData) {
        guard let offset = s.selectedOffset(total: data.count), let r = try? data.record(at: offset) else { return }
        let rows = PaneContent.make(s, data, diffWidth: layout(s).diff.width).stateRows
        guard s.stateCursor < rows.count else { return }
        let path = rows[s.stateCursor].path
        let lines = (try? Blame.blame(Timeline(replayer: data.replayer), key: r.key, at: offset)) ?? []
        let under = lines.filter { $0.path.description == path || $0.path.description.hasPrefix(path + "/") || path.isEmpty }
        guard let latest = under.max(by: { $0.record.offset < $1.record.offset }) else {
            s.message = StatusMessage(text: "no event set this field", kind: .warning)
            return
        }
        let keepCursor = s.stateCursor
        selectOffset(&s, data, latest.record.offset)
        s.stateCursor = keepCursor
        s.message = StatusMessage(text: "\(path.isEmpty ? "the record" : DiffText.dottedPath((try? JSONPointer(path)) ?? .root)) was last changed at offset \(latest.record.offset) (\(latest.record.type))", kind: .info)
    }

    static func helpKey(_ s: inout ExplorerState, _ key: Key) {
        switch key {
        case .up, .char("k"): s.helpScroll = max(0, s.helpScroll - 1)
        case .down, .char("j"): s.helpScroll += 1
        case .pageDown: s.helpScroll += 10
        case .pageUp: s.helpScroll = max(0, s.helpScroll - 10)
        default: s.showHelp = false
        }
    }

    static func verify(_ s: inout ExplorerState, _ data: ExplorerData) {
        do {
            let report = try Verifier.verify(directory: data.log.directory)
            s.chainStatus = chainStatus(report)
            s.message = StatusMessage(text: "verified: " + s.chainStatus, kind: report.isWhole ? .success : .error)
        } catch {
            s.message = StatusMessage(text: "cannot verify: \(error)", kind: .error)
        }
    }

    /// A short status for the status line.
    public static func chainStatus(_ report: VerifyReport) -> String {
        if let p = report.problem { return "chain ✗ damaged at offset \(p.offset)" }
        if let t = report.tornTail { return "chain ✓ (torn tail of \(t.bytes) B ignored)" }
        return "chain ✓ " + String(report.headHash.hex.prefix(8))
    }

    // MARK: Mouse

    static func mouse(_ s: inout ExplorerState, _ m: MouseEvent, _ data: ExplorerData) {
        let l = layout(s)
        let point = Point(x: m.x, y: m.y)
        switch m.kind {
        case .wheelUp, .wheelDown:
            let delta = m.kind == .wheelUp ? -3 : 3
            if l.state.contains(point) {
                s.stateScroll = max(0, s.stateScroll + delta)
                s.stateCursor = max(0, s.stateCursor + delta)
            } else if l.diff.contains(point) {
                s.diffScroll = max(0, s.diffScroll + delta)
            } else {
                select(&s, data, row: s.selectedRow + delta)
            }
        case .press:
            if l.scrubber.contains(point) {
                let c = m.x - l.timelineX
                selectOffset(&s, data, data.offset(atColumn: c, width: l.timelineWidth))
            } else if l.events.contains(point), m.y >= l.firstRowY {
                select(&s, data, row: s.listTop + (m.y - l.firstRowY))
                s.focus = .events
            } else if l.state.contains(point) {
                s.focus = .state
            } else if l.diff.contains(point) {
                s.focus = .diff
            }
        case .release:
            break
        }
    }
}
