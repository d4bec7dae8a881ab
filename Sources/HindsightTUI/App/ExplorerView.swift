import HindsightCore

/// Draws the explorer into a buffer: status line, event list, state pane, diff pane, scrubber, help bar.
public enum ExplorerView {
    public static func render(_ s: ExplorerState, _ data: ExplorerData) -> Buffer {
        var buffer = Buffer(size: s.size)
        let l = ExplorerLayout(size: s.size)
        if l.isTooSmall {
            let text = "terminal too small: \(s.size.width)x\(s.size.height), hindsight needs at least \(ExplorerLayout.minimum.width)x\(ExplorerLayout.minimum.height)"
            let area = Rect(x: 0, y: max(0, s.size.height / 2 - 1), width: s.size.width, height: max(0, s.size.height - s.size.height / 2 + 1))
            Paragraph([Line(text, style: Style(bold: true))], wrap: true).render(in: area, into: &buffer)
            return buffer
        }
        let content = PaneContent.make(s, data, diffWidth: l.diff.width - 2)
        statusLine(s, data, content, into: &buffer, l.status)
        eventList(s, data, into: &buffer, l.events)
        statePane(s, content, into: &buffer, l.state)
        diffPane(s, content, into: &buffer, l.diff)
        scrubber(s, data, into: &buffer, l)
        bottomLine(s, into: &buffer, l.bar)
        if s.showHelp {
            HelpOverlay(entries: KeyMap.helpEntries, title: "hindsight keys", scroll: s.helpScroll).render(in: buffer.area.inset(top: 1, bottom: 1), into: &buffer)
        }
        return buffer
    }

    // MARK: Status line

    static func statusLine(_ s: ExplorerState, _ data: ExplorerData, _ c: PaneContent, into b: inout Buffer, _ r: Rect) {
        var left = "hindsight │ \(data.name) │ \(data.count) event\(data.count == 1 ? "" : "s") │ \(s.rows.label)"
        if s.rows.kind != .all { left += " (\(s.rows.count(total: data.count)))" }
        if !s.chainStatus.isEmpty { left += " │ " + s.chainStatus }
        if s.following { left += " │ following" }
        if let imp = s.importStatus { left += " │ " + imp }
        var right = ""
        if let r = c.record { right = "@\(r.offset) \(r.eventTime.iso8601)" }
        StatusBar(left: Line(left), right: Line(right)).render(in: r, into: &b)
    }

    // MARK: Event list

    static func eventList(_ s: ExplorerState, _ data: ExplorerData, into b: inout Buffer, _ r: Rect) {
        let count = s.rows.count(total: data.count)
        var title = " events "
        if case .versions(let k) = s.rows.kind { title = " versions of \(k) " }
        let block = Block(title: title.trimmingCharacters(in: .whitespaces), isFocused: s.focus == .events)
        block.render(in: r, into: &b)
        let inner = block.inner(r)
        guard inner.width > 4, inner.height > 1 else { return }
        let offsetWidth = max(3, String(max(0, data.count - 1)).count)
        let showVersion = { if case .versions = s.rows.kind { return true } else { return false } }()
        let wideTime = inner.width >= 80
        let timeWidth = wideTime ? 23 : 8
        let keyWidth = min(16, max(6, inner.width / 6))
        let typeWidth = min(16, max(6, inner.width / 6))
        var header = TextSafety.pad("@", toWidth: offsetWidth, alignment: .right) + " "
        if showVersion { header += "ver  " }
        header += TextSafety.pad("time", toWidth: timeWidth) + " " + TextSafety.pad("key", toWidth: keyWidth) + " " + TextSafety.pad("type", toWidth: typeWidth) + " data"
        _ = b.put(header, x: inner.x, y: inner.y, style: Style(bold: true, underline: true), maxWidth: inner.width)
        if count == 0 {
            _ = b.put("no events", x: inner.x + 1, y: inner.y + 1, style: Style(dim: true), maxWidth: inner.width - 1)
            return
        }
        let visible = inner.height - 1
        let markStyle = Style(fg: .magenta, bold: true)
        for i in 0..<visible {
            let row = s.listTop + i
            guard row < count else { break }
            let offset = s.rows.offset(atRow: row)
            let y = inner.y + 1 + i
            guard let rec = try? data.record(at: offset) else {
                _ = b.put("@\(offset): unreadable (run V to verify)", x: inner.x, y: y, style: Style(fg: .red), maxWidth: inner.width)
                continue
            }
            var spans: [Span] = [Span(TextSafety.pad(String(offset), toWidth: offsetWidth, alignment: .right) + " ", style: Style(dim: true))]
            if showVersion { spans.append(Span(TextSafety.pad("v\(row + 1)", toWidth: 4) + " ", style: Style(fg: .cyan))) }
            let iso = rec.eventTime.iso8601
            let time = wideTime ? iso : String(iso.dropFirst(11).prefix(8))
            spans.append(Span(TextSafety.pad(time, toWidth: timeWidth) + " "))
            spans.append(Span(TextSafety.fit(rec.key, toWidth: keyWidth) + " ", style: Style(fg: .cyan)))
            spans.append(Span(TextSafety.fit(rec.type.isEmpty ? "-" : rec.type, toWidth: typeWidth) + " ", style: Style(fg: .yellow)))
            let used = spans.reduce(0) { $0 + $1.width }
            let summary = summaryText(rec, width: max(0, inner.width - used))
            spans.append(Span(summary, style: Style(dim: true)))
            var line = Line(spans: spans)
            if offset == s.markA || offset == s.markB {
                line.spans[0] = Span(TextSafety.pad((offset == s.markA ? "A" : "B") + String(offset), toWidth: offsetWidth, alignment: .right) + " ", style: markStyle)
            }
            _ = b.put(line: line, x: inner.x, y: y, maxWidth: inner.width)
            if row == s.selectedRow {
                b.patchStyle(Rect(x: inner.x, y: y, width: inner.width, height: 1), s.focus == .events ? Style(reverse: true) : Style(bold: true, underline: true))
            }
        }
        if count > visible {
            let pos = "\(s.selectedRow + 1)/\(count)"
            _ = b.put(" \(pos) ", x: r.x + r.width - TextSafety.displayWidth(pos) - 4, y: r.y + r.height - 1, style: Style(dim: true))
        }
    }

    /// A one-line summary of an event's data (compact JSON, cut to the width).
    static func summaryText(_ r: Record, width: Int) -> String {
        guard width > 0 else { return "" }
        let text = r.payload.count <= 4096 ? JSONSerializer.compact(r.data()) : String(decoding: r.payload.prefix(width * 4), as: UTF8.self)
        return TextSafety.truncate(text, toWidth: width)
    }

    // MARK: State and diff panes

    static func statePane(_ s: ExplorerState, _ c: PaneContent, into b: inout Buffer, _ r: Rect) {
        var title = " state "
        if let rec = c.record {
            title = " \(rec.key) after @\(rec.offset)"
            if let v = c.version { title += " · v\(v.number) of \(v.of)" }
            if s.showBlame { title += " · blame" }
            title += " "
        }
        let block = Block(title: title.trimmingCharacters(in: .whitespaces), isFocused: s.focus == .state)
        block.render(in: r, into: &b)
        let inner = block.inner(r)
        guard inner.height > 0 else { return }
        guard c.record != nil else { return }
        guard c.state != nil else {
            _ = b.put("(no state: the record is deleted or not created yet)", x: inner.x, y: inner.y, style: Style(dim: true), maxWidth: inner.width)
            return
        }
        let top = min(s.stateScroll, max(0, c.stateRows.count - 1))
        for i in 0..<inner.height {
            let index = top + i
            guard index < c.stateRows.count else { break }
            let y = inner.y + i
            _ = b.put(line: c.stateRows[index].line, x: inner.x, y: y, maxWidth: inner.width)
            if s.showBlame, !c.stateRows[index].foldable, let o = c.blame[c.stateRows[index].path] {
                let tag = " @\(o)"
                let w = TextSafety.displayWidth(tag)
                _ = b.put(tag, x: inner.x + inner.width - w, y: y, style: Style(fg: .magenta, dim: true))
            }
            if s.focus == .state && index == s.stateCursor {
                b.patchStyle(Rect(x: inner.x, y: y, width: inner.width, height: 1), Style(reverse: true))
            }
        }
        if c.stateRows.count > inner.height {
            _ = b.put(" \(top + 1)-\(min(c.stateRows.count, top + inner.height))/\(c.stateRows.count) ", x: r.x + 2, y: r.y + r.height - 1, style: Style(dim: true))
        }
    }

    static func diffPane(_ s: ExplorerState, _ c: PaneContent, into b: inout Buffer, _ r: Rect) {
        let title = c.record == nil ? " diff " : " " + c.diffTitle + " "
        let block = Block(title: Line(title.trimmingCharacters(in: .whitespaces), style: s.markA != nil ? Style(fg: .magenta, bold: true) : .plain), isFocused: s.focus == .diff)
        block.render(in: r, into: &b)
        let inner = block.inner(r)
        guard inner.height > 0 else { return }
        let top = min(s.diffScroll, max(0, c.diffLines.count - 1))
        for i in 0..<inner.height {
            let index = top + i
            guard index < c.diffLines.count else { break }
            _ = b.put(line: c.diffLines[index], x: inner.x, y: inner.y + i, maxWidth: inner.width)
        }
    }

    // MARK: Scrubber

    static func scrubber(_ s: ExplorerState, _ data: ExplorerData, into b: inout Buffer, _ l: ExplorerLayout) {
        let r = l.scrubber
        let width = l.timelineWidth
        let histogram = data.histogram(width: width)
        var markers: [Sparkline.Marker] = []
        if let a = s.markA { markers.append(.init(index: data.column(of: a, width: width), symbol: "A", style: Style(fg: .magenta, bold: true))) }
        if let bm = s.markB { markers.append(.init(index: data.column(of: bm, width: width), symbol: "B", style: Style(fg: .magenta, bold: true))) }
        let selected = s.selectedOffset(total: data.count)
        let position = selected.map { data.column(of: $0, width: width) }
        _ = b.put("▕", x: r.x, y: r.y, style: Style(dim: true))
        _ = b.put("▏", x: r.x + r.width - 1, y: r.y, style: Style(dim: true))
        Sparkline(histogram, style: Style(fg: .blue), position: position, positionStyle: Style(fg: .yellow, reverse: true), markers: markers)
            .render(in: Rect(x: l.timelineX, y: r.y, width: width, height: 2), into: &b)
        // Labels: first, current, last.
        let y = r.y + 2
        guard data.count > 0 else {
            _ = b.put("empty log", x: r.x + 1, y: y, style: Style(dim: true))
            return
        }
        let first = (try? data.record(at: 0)).map { "\($0.eventTime.iso8601) @0" } ?? "@0"
        let lastTime = (try? data.log.maxEventTime()).flatMap { $0 }.map(\.iso8601) ?? ""
        let last = "\(lastTime) @\(data.count - 1)"
        _ = b.put(first, x: r.x + 1, y: y, style: Style(dim: true))
        _ = b.put(last, x: r.x + r.width - 1 - TextSafety.displayWidth(last), y: y, style: Style(dim: true))
        if let selected, let rec = try? data.record(at: selected) {
            let current = "▲ \(rec.eventTime.iso8601) @\(selected)"
            let w = TextSafety.displayWidth(current)
            let x = min(max(r.x + 1 + TextSafety.displayWidth(first) + 2, l.timelineX + (position ?? 0) - w / 2), r.x + r.width - 3 - TextSafety.displayWidth(last) - w)
            if x > r.x + TextSafety.displayWidth(first) {
                _ = b.put(current, x: x, y: y, style: Style(fg: .yellow, bold: true))
            }
        }
    }

    // MARK: Bottom line

    static func bottomLine(_ s: ExplorerState, into b: inout Buffer, _ r: Rect) {
        if let purpose = s.prompt {
            let label: String
            switch purpose {
            case .jump: label = "jump to (offset, time, v3): "
            case .search: label = "search: "
            case .filter: label = "filter (key or type; key:K, type:T): "
            case .export: label = "export audit log to: "
            case .watch: label = "watch: "
            }
            Prompt(label: Line(label, style: Style(bold: true)), state: s.promptState).render(in: r, into: &b)
            return
        }
        if let m = s.message {
            MessageLine(m.text, kind: m.kind).render(in: r, into: &b)
            return
        }
        var spans: [Span] = []
        for item in KeyMap.barItems {
            let parts = item.split(separator: " ", maxSplits: 1).map(String.init)
            spans.append(Span(parts[0], style: Style(bold: true)))
            if parts.count > 1 { spans.append(Span(" " + parts[1] + "  ", style: Style(dim: true))) }
        }
        _ = b.put(line: Line(spans: spans), x: r.x, y: r.y, maxWidth: r.width)
    }
}
