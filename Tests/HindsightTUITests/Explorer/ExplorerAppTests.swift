import Foundation
import HindsightCore
import Testing
@testable import HindsightTUI

@Suite("Explorer: whole screens driven by keys")
struct ExplorerAppTests {
    @Test func opensOnTheFirstEvent() throws {
        let f = try ExplorerFixture()
        let (screen, _) = try f.run([])
        assertSnapshot(screen, named: "explorer-open")
        let text = screen.plainLines().joined(separator: "\n")
        #expect(text.contains("11 events"))
        #expect(text.contains("\"balance\": 100"))
    }

    @Test func endShowsTheLastStateAndHomeTheFirst() throws {
        let f = try ExplorerFixture()
        let (end, app) = try f.run([.key(.end)])
        #expect(end.plainLines().joined().contains("\"balance\": 130"))
        #expect(end.plainLines().joined().contains("\"address\": \"12 Harbour Street\""))
        #expect(app.state.selectedOffset(total: f.data.count) == 10)
        assertSnapshot(end, named: "explorer-end")
        let (home, _) = try f.run([.key(.end), .key(.home)])
        #expect(home.plainLines().joined().contains("\"balance\": 100"))
    }

    @Test func stepsShowEachBalanceAndWhatChanged() throws {
        let f = try ExplorerFixture()
        let (screen, app) = try f.run([.key(.down)])
        let text = screen.plainLines().joined(separator: "\n")
        #expect(app.state.selectedRow == 1)
        #expect(text.contains("\"balance\": 80"))
        #expect(text.contains("~ /balance: 100 → 80"))
        let (two, _) = try f.run([.key(.char("j")), .key(.char("j"))])
        #expect(two.plainLines().joined().contains("\"balance\": 130"))
    }

    @Test func marksDiffEveryRecordWhenAllEventsAreShown() throws {
        let f = try ExplorerFixture()
        let (screen, app) = try f.run([.key(.char("m")), .key(.down), .key(.down), .key(.down), .key(.char("m"))])
        #expect(app.state.markA == 0)
        #expect(app.state.markB == 3)
        let text = screen.plainLines().joined(separator: "\n")
        #expect(text.contains("all records: A @0 → B @3"))
        #expect(text.contains("2 records: 1 created, 0 deleted, 1 changed"))
        #expect(text.contains("+ acct-2 (created)"))
        #expect(text.contains("~ /balance: 100 → 130"))
        assertSnapshot(screen, named: "explorer-marks")
        let (cleared, clearedApp) = try f.run([.key(.char("m")), .key(.down), .key(.char("m")), .key(.char("m"))])
        #expect(clearedApp.state.markA == nil)
        #expect(cleared.plainLines().joined().contains("marks cleared"))
    }

    @Test func marksDiffTheFocusedRecord() throws {
        let f = try ExplorerFixture()
        let (screen, _) = try f.run([.key(.enter), .key(.char("m")), .key(.end), .key(.char("m"))])
        let text = screen.plainLines().joined(separator: "\n")
        #expect(text.contains("acct-1: A @0 → B @10"))
        #expect(text.contains("~ /balance: 100 → 130"))
        #expect(text.contains("+ /address: \"12 Harbour Street\""))
    }

    @Test func watchRunsForwardAndBackward() throws {
        let f = try ExplorerFixture()
        let watch: [InputEvent] = [.key(.char("w"))] + InputEvent.keys("balance < 200\n")
        let (_, forward) = try f.run(watch + [.key(.char(">"))])
        // acct-1 is below 200 from its first event on (no turn after the cursor); acct-2 turns at 7.
        #expect(forward.state.selectedOffset(total: f.data.count) == 7)
        let (again, _) = try f.run(watch + [.key(.char(">")), .key(.char(">"))])
        #expect(again.plainLines().last?.contains("does not turn true after offset 7") == true)
        let (_, back) = try f.run(watch + [.key(.end), .key(.char("<"))])
        #expect(back.state.selectedOffset(total: f.data.count) == 7)
        let (none, _) = try f.run([.key(.char("w"))] + InputEvent.keys("balance < -5\n") + [.key(.char(">"))])
        #expect(none.plainLines().last?.contains("does not turn true") == true)
        let (bad, _) = try f.run([.key(.char("w"))] + InputEvent.keys("balance <\n"))
        #expect(bad.plainLines().last?.contains("column") == true)
        let (unset, _) = try f.run([.key(.char(">"))])
        #expect(unset.plainLines().last?.contains("press w") == true)
    }

    @Test func blameAndJumpToTheLastChange() throws {
        let f = try ExplorerFixture()
        let (screen, app) = try f.run([.key(.end), .key(.char("b"))])
        #expect(app.state.showBlame)
        let text = screen.plainLines().joined(separator: "\n")
        #expect(text.contains("· blame"))
        #expect(text.contains("@2"))
        #expect(text.contains("@10"))
        // The cursor on "balance" (row 1), then c: the deposit at offset 2 set it last.
        let (_, jumped) = try f.run([.key(.end), .key(.tab), .key(.down), .key(.char("c"))])
        #expect(jumped.state.selectedOffset(total: f.data.count) == 2)
    }

    @Test func enterShowsOneRecordsVersionsAndEscReturns() throws {
        let f = try ExplorerFixture()
        let (screen, app) = try f.run([.key(.enter)])
        #expect(app.state.rows.kind == .versions("acct-1"))
        #expect(app.state.rows.offsets == [0, 1, 2, 10])
        #expect(screen.plainLines().joined().contains("versions of acct-1"))
        let (_, back) = try f.run([.key(.enter), .key(.end), .key(.escape)])
        #expect(back.state.rows == .all)
        #expect(back.state.selectedOffset(total: f.data.count) == 10)
    }

    @Test func jumpToTimeOffsetAndVersion() throws {
        let f = try ExplorerFixture()
        let (_, byTime) = try f.run([.key(.char(":"))] + InputEvent.keys("2026-11-21T14:59:59Z\n"))
        #expect(byTime.state.selectedOffset(total: f.data.count) == 6)
        let (_, byOffset) = try f.run([.key(.char(":"))] + InputEvent.keys("4\n"))
        #expect(byOffset.state.selectedOffset(total: f.data.count) == 4)
        let (_, byVersion) = try f.run([.key(.char(":"))] + InputEvent.keys("v4\n"))
        #expect(byVersion.state.selectedOffset(total: f.data.count) == 10)
        let (bad, _) = try f.run([.key(.char(":"))] + InputEvent.keys("soon\n"))
        #expect(bad.plainLines().last?.contains("is not a position") == true)
    }

    @Test func searchFindsAndWraps() throws {
        let f = try ExplorerFixture()
        let (_, app) = try f.run([.key(.char("/"))] + InputEvent.keys("carol\n"))
        #expect(app.state.selectedOffset(total: f.data.count) == 5)
        let (_, next) = try f.run([.key(.char("/"))] + InputEvent.keys("atm-17\n") + [.key(.char("n"))])
        #expect(next.state.selectedOffset(total: f.data.count) == 8)
        let (wrapped, wrapApp) = try f.run([.key(.end), .key(.char("/"))] + InputEvent.keys("DEPOSIT\n"))
        #expect(wrapApp.state.selectedOffset(total: f.data.count) == 0)
        #expect(wrapped.plainLines().last?.contains("wrapped") == true)
        let (none, _) = try f.run([.key(.char("/"))] + InputEvent.keys("zebra\n"))
        #expect(none.plainLines().last?.contains("no event contains") == true)
    }

    @Test func filterByKeyAndTypeAndClear() throws {
        let f = try ExplorerFixture()
        let (_, byKey) = try f.run([.key(.char("f"))] + InputEvent.keys("acct-2\n"))
        #expect(byKey.state.rows.offsets == [3, 4, 7, 9])
        let (_, byType) = try f.run([.key(.char("f"))] + InputEvent.keys("type:WITHDRAW\n"))
        #expect(byType.state.rows.offsets == [1, 7, 8])
        let (_, cleared) = try f.run([.key(.char("f"))] + InputEvent.keys("acct-2\n") + [.key(.char("F"))])
        #expect(cleared.state.rows == .all)
        let (_, none) = try f.run([.key(.char("f"))] + InputEvent.keys("nothing\n"))
        #expect(none.state.rows == .all)
    }

    @Test func timelineKeysMoveAlongTime() throws {
        let f = try ExplorerFixture()
        let (_, right) = try f.run([.key(.right)])
        #expect((right.state.selectedOffset(total: f.data.count) ?? 0) > 0)
        let (_, ten) = try f.run([.key(.char("]"))])
        let tenOffset = ten.state.selectedOffset(total: f.data.count) ?? 0
        #expect(tenOffset >= 1)
        let (_, back) = try f.run([.key(.end), .key(.char("["))])
        #expect((back.state.selectedOffset(total: f.data.count) ?? 10) < 10)
        let (_, left) = try f.run([.key(.end), .key(.left)])
        #expect((left.state.selectedOffset(total: f.data.count) ?? 10) < 10)
    }

    @Test func clickingTheScrubberJumpsThere() throws {
        let f = try ExplorerFixture()
        let size = Size(width: 100, height: 30)
        let l = ExplorerLayout(size: size)
        let (_, app) = try f.run([.mouse(MouseEvent(x: l.timelineX + l.timelineWidth - 1, y: l.scrubber.y, kind: .press))], size: size)
        #expect(app.state.selectedOffset(total: f.data.count) == 10)
        let (_, wheel) = try f.run([.mouse(MouseEvent(x: 5, y: 5, kind: .wheelDown))], size: size)
        #expect(wheel.state.selectedRow == 3)
    }

    @Test func stateFoldsObjects() throws {
        let lines = #"{"key":"k","id":"1","time":"2026-11-21T09:00:00Z","data":{"owner":{"name":"A","city":"B"},"tags":[1,2,3]}}"#
        let f = try ExplorerFixture(lines: lines, rules: #"{"default":[{"op":"merge"}]}"#)
        let (open, _) = try f.run([.key(.tab), .key(.down)])
        #expect(open.plainLines().joined().contains("\"name\": \"A\""))
        let (folded, app) = try f.run([.key(.tab), .key(.down), .key(.enter)])
        #expect(app.state.folded == ["/owner"])
        let text = folded.plainLines().joined(separator: "\n")
        #expect(text.contains("\"owner\": {…}, 2 keys"))
        // Only the diff pane (the record was created here) still shows the member.
        #expect(text.components(separatedBy: "\"name\": \"A\"").count == 2)
    }

    @Test func helpOverlayListsTheKeyTable() throws {
        let f = try ExplorerFixture()
        let (screen, app) = try f.run([.key(.char("?"))])
        #expect(app.state.showHelp)
        let text = screen.plainLines().joined(separator: "\n")
        #expect(text.contains("hindsight keys"))
        #expect(text.contains("jump to an offset, a time"))
        let (scrolled, _) = try f.run([.key(.char("?")), .key(.pageDown), .key(.pageDown)])
        #expect(scrolled.plainLines().joined().contains("set mark A, then B"))
        let (_, closed) = try f.run([.key(.char("?")), .key(.escape)])
        #expect(!closed.state.showHelp)
    }

    @Test func resizeAndTooSmall() throws {
        let f = try ExplorerFixture()
        let (small, _) = try f.run([.resize(Size(width: 40, height: 10))], size: Size(width: 100, height: 30))
        #expect(small.plainLines().joined(separator: " ").contains("terminal too small"))
        let (narrow, _) = try f.run([.resize(Size(width: 60, height: 15)), .key(.end)], size: Size(width: 100, height: 30))
        assertSnapshot(narrow, named: "explorer-60x15")
        #expect(narrow.width == 60)
    }

    @Test func quitKeysStopTheLoop() throws {
        let f = try ExplorerFixture()
        for key in [Key.char("q"), .ctrl("c")] {
            let terminal = InMemoryTerminal(size: Size(width: 80, height: 24))
            terminal.enqueue(keys: key, .down, .down)
            let app = ExplorerApp(data: f.data, size: terminal.size)
            try TerminalSession.run(terminal) { t in try app.run(on: t) }
            #expect(app.state.quit)
            #expect(terminal.pendingEventCount == 2)
            #expect(terminal.stopCount == 1)
        }
    }

    @Test func theChainIsCheckedInTheBackground() throws {
        let f = try ExplorerFixture()
        let terminal = InMemoryTerminal(size: Size(width: 100, height: 30))
        let app = ExplorerApp(data: f.data, size: terminal.size)
        app.checkChainInBackground()
        #expect(app.state.chainStatus == "chain: verifying…")
        try TerminalSession.run(terminal) { t in try app.run(on: t, tick: .milliseconds(5)) }
        #expect(app.state.chainStatus.hasPrefix("chain ✓ "))
        #expect(terminal.screenLines.first?.contains("chain ✓") == true)
    }

    @Test func exportWritesTheCurrentViewAndItVerifies() throws {
        let f = try ExplorerFixture()
        let out = f.directory + "-acct-2.jsonl"
        defer { try? FileManager.default.removeItem(atPath: out) }
        // Filter to acct-2, then e: the prompt offers a name; replace it with ours.
        let keys: [InputEvent] = [.key(.char("f"))] + InputEvent.keys("acct-2\n") + [.key(.char("e")), .key(.ctrl("u"))] + InputEvent.keys(out + "\n")
        let (screen, _) = try f.run(keys)
        #expect(screen.plainLines().last?.contains("exported 4 rows (jsonl) to \(out)") == true)
        let report = try AuditVerifier.verify(file: out, log: f.data.log)
        #expect(report.isValid, "\(report.problems)")
        #expect(report.rowsRead == 4)
        let (failed, _) = try f.run([.key(.char("e")), .key(.ctrl("u"))] + InputEvent.keys("/no/such/dir/x.jsonl\n"))
        #expect(failed.plainLines().last?.contains("export failed") == true)
    }

    @Test func controlCharactersInEventDataAreShownEscaped() throws {
        let lines = #"{"key":"evil\u001b[2J","id":"1","type":"T\u0007","data":{"msg":"漢字😀 \u001b]52;c;aGk=\u0007 \u009b31m \u202egnp.exe \r\b"}}"#
        let f = try ExplorerFixture(lines: lines, rules: #"{"default":[{"op":"merge"}]}"#)
        let (screen, _) = try f.run([])
        for row in 0..<screen.height {
            for col in 0..<screen.width {
                let symbol = screen[col, row].symbol
                for scalar in symbol.unicodeScalars {
                    #expect(scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80...0x9F).contains(scalar.value) && scalar.value != 0x202E,
                            "raw control U+\(String(scalar.value, radix: 16)) at \(col),\(row)")
                }
            }
        }
        let text = screen.plainLines().joined(separator: "\n")
        #expect(text.contains("evil\\e[2J"))
        #expect(text.contains("漢字"))
    }

    @Test func followModePicksUpAppends() throws {
        let f = try ExplorerFixture()
        let terminal = InMemoryTerminal(size: Size(width: 100, height: 30))
        let app = ExplorerApp(data: f.data, size: terminal.size)
        terminal.enqueue(keys: .char("L"))
        var appended = false
        app.onTick = { state, data in
            if !appended {
                appended = true
                let w = try? LogWriter(directory: f.directory)
                _ = try? w?.append([EventDraft(id: "new", key: "acct-9", type: "OPENED", eventTime: nil, payload: Array(#"{"owner":"Dan"}"#.utf8))])
                w?.close()
            } else {
                state.quit = true
            }
        }
        try TerminalSession.run(terminal) { t in try app.run(on: t, tick: .milliseconds(1)) }
        #expect(f.data.count == 12)
        #expect(app.state.selectedOffset(total: f.data.count) == 11)
        #expect(terminal.screenLines.joined().contains("acct-9"))
    }
}
