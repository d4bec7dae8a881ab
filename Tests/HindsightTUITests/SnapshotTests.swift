import HindsightTUI
import Testing

/// Whole screens composed from several widgets, compared with files in `Snapshots/`.
@Suite("Snapshots")
struct SnapshotTests {
    static let help = [
        HelpEntry(keys: "j/↓", description: "next event", section: "Navigation"),
        HelpEntry(keys: "k/↑", description: "previous event", section: "Navigation"),
        HelpEntry(keys: "PgDn", description: "next page", section: "Navigation"),
        HelpEntry(keys: "Space", description: "play / pause", section: "Timeline"),
        HelpEntry(keys: "a / b", description: "mark A / B for the diff", section: "Timeline"),
        HelpEntry(keys: "?", description: "toggle this help", section: "General"),
        HelpEntry(keys: "q/Ctrl-C", description: "quit", section: "General"),
    ]

    /// A screen shaped like the explorer: events table, timeline histogram, message and status bar.
    static func explorerLikeScreen(width: Int, height: Int, selected: Int) -> Buffer {
        var buffer = Buffer(width: width, height: height)
        let parts = Layout.vertical([.fill, .length(4), .length(1), .length(1)]).split(buffer.area)
        let events = Block(title: "Events", isFocused: true)
        events.render(in: parts[0], into: &buffer)
        let rows = (0..<12).map { i in
            Table.Row(["\(i)", i % 3 == 0 ? "DEPOSIT" : "WITHDRAW", "acct-\(i % 4)", i == 7 ? "{\"note\":\"\u{1b}[2J 世界\"}" : "{\"amount\":\(i * 10)}"])
        }
        let table = Table(
            columns: [
                .init("Off", width: .length(3), alignment: .right), .init("Type", width: .length(8)),
                .init("Key", width: .length(6)), .init("Data", width: .fill),
            ],
            rows: rows, highlightSymbol: "▶ ")
        var state = ListState(selected: selected)
        table.render(in: events.inner(parts[0]), into: &buffer, state: &state)
        let timeline = Block(title: "Timeline")
        timeline.render(in: parts[1], into: &buffer)
        Sparkline(
            [3, 0, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5],
            style: Style(fg: .green), position: selected,
            markers: [.init(index: 2, symbol: "A"), .init(index: 9, symbol: "B")]
        ).render(in: timeline.inner(parts[1]), into: &buffer)
        MessageLine("state at offset \(selected) (2026-11-21T15:00:00Z)", kind: .info).render(in: parts[2], into: &buffer)
        StatusBar(left: "bank.jsonl  12 events", right: "\(selected + 1)/12  ? help").render(in: parts[3], into: &buffer)
        return buffer
    }

    @Test func explorerLikeScreen() {
        assertSnapshot(SnapshotTests.explorerLikeScreen(width: 48, height: 14, selected: 9), named: "explorer-like-screen")
    }

    @Test func explorerLikeScreenNarrow() {
        assertSnapshot(SnapshotTests.explorerLikeScreen(width: 24, height: 10, selected: 0), named: "explorer-like-screen-narrow", includeStyles: false)
    }

    @Test func helpOverlayOverAScreen() {
        var buffer = SnapshotTests.explorerLikeScreen(width: 48, height: 14, selected: 3)
        HelpOverlay(entries: SnapshotTests.help).render(in: buffer.area, into: &buffer)
        assertSnapshot(buffer, named: "help-overlay")
    }

    @Test func helpOverlayScrolledWhenTooTall() {
        var buffer = Buffer(width: 40, height: 8)
        HelpOverlay(entries: SnapshotTests.help, scroll: 2).render(in: buffer.area, into: &buffer)
        assertSnapshot(buffer, named: "help-overlay-scrolled", includeStyles: false)
    }

    @Test func helpOverlayContent() {
        let overlay = HelpOverlay(entries: SnapshotTests.help)
        #expect(overlay.sections == ["Navigation", "Timeline", "General"])
        #expect(overlay.contentLines().map(\.plainText) == [
            "Navigation",
            " j/↓       next event",
            " k/↑       previous event",
            " PgDn      next page",
            "",
            "Timeline",
            " Space     play / pause",
            " a / b     mark A / B for the diff",
            "",
            "General",
            " ?         toggle this help",
            " q/Ctrl-C  quit",
        ])
        #expect(overlay.maxScroll(in: Rect(x: 0, y: 0, width: 40, height: 8)) == 6)
    }

    @Test func monochromeScreenHasNoColours() {
        var buffer = SnapshotTests.explorerLikeScreen(width: 48, height: 14, selected: 9)
        buffer.mapStyles(ColorMode.monochrome.apply)
        #expect(buffer.cells.allSatisfy { $0.style.fg == .default && $0.style.bg == .default })
        #expect(buffer.cells.contains { $0.style.reverse })
    }
}
