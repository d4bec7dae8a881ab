import HindsightTUI
import Testing

@Suite("Key")
struct KeyTests {
    @Test("Keys are written for help text", arguments: [
        (Key.char("q"), "q"), (.char(" "), "Space"), (.ctrl("c"), "Ctrl-C"), (.up, "↑"), (.down, "↓"),
        (.left, "←"), (.right, "→"), (.pageUp, "PgUp"), (.pageDown, "PgDn"), (.home, "Home"), (.end, "End"),
        (.enter, "Enter"), (.escape, "Esc"), (.tab, "Tab"), (.backTab, "Shift-Tab"), (.backspace, "Backspace"),
        (.delete, "Del"), (.function(5), "F5"),
    ])
    func descriptions(key: Key, text: String) {
        #expect(key.description == text)
        #expect(Key(parsing: text) == key, "round trip of \(text)")
    }

    @Test func parsingAlternatives() {
        #expect(Key(parsing: "ctrl-x") == .ctrl("x"))
        #expect(Key(parsing: "^C") == .ctrl("c"))
        #expect(Key(parsing: "C-w") == .ctrl("w"))
        #expect(Key(parsing: "PageDown") == .pageDown)
        #expect(Key(parsing: "Up") == .up)
        #expect(Key(parsing: "escape") == .escape)
        #expect(Key(parsing: "F12") == .function(12))
        #expect(Key(parsing: "F") == .char("F"))
        #expect(Key(parsing: "nonsense") == nil)
        #expect(Key(parsing: "F99") == nil)
    }

    @Test func describeJoinsKeys() {
        #expect(Key.describe([.char("j"), .down]) == "j/↓")
        #expect(Key.describe([.ctrl("c"), .char("q")], separator: ", ") == "Ctrl-C, q")
    }

    @Test func mouseEventDescription() {
        #expect(MouseEvent(x: 3, y: 4, kind: .wheelDown).description == "wheel down at (3, 4)")
        #expect(MouseEvent(x: 1, y: 2, kind: .press).point == Point(x: 1, y: 2))
    }
}
