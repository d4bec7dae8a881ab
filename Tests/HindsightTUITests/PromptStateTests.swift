import HindsightTUI
import Testing

@Suite("PromptState")
struct PromptStateTests {
    @Test func insertsAtTheCursor() {
        var state = PromptState(text: "ac")
        #expect(state.cursor == 2)
        state.moveLeft()
        state.insert("b")
        #expect(state.text == "abc")
        #expect(state.cursor == 2)
        state.moveToEnd()
        state.insert(" 世界")
        #expect(state.text == "abc 世界")
        #expect(state.cursor == 6)
    }

    @Test func backspaceAndDelete() {
        var state = PromptState(text: "abcd")
        #expect(did(&state) { $0.deleteBackward() })
        #expect(state.text == "abc")
        state.moveToStart()
        #expect(!did(&state) { $0.deleteBackward() })
        #expect(did(&state) { $0.deleteForward() })
        #expect(state.text == "bc")
        state.moveToEnd()
        #expect(!did(&state) { $0.deleteForward() })
        #expect(state.cursor == 2)
    }

    @Test func cursorMovesStayInRange() {
        var state = PromptState(text: "ab")
        #expect(!did(&state) { $0.moveRight() })
        #expect(did(&state) { $0.moveLeft() } && did(&state) { $0.moveLeft() })
        #expect(!did(&state) { $0.moveLeft() })
        #expect(state.cursor == 0)
        state.moveToEnd()
        #expect(state.cursor == 2)
    }

    @Test func killCommands() {
        var state = PromptState(text: "key acct-1  ")
        state.deleteWordBackward()
        #expect(state.text == "key ")
        state.insert("x y")
        state.moveLeft()
        state.moveLeft()
        state.deleteToEnd()
        #expect(state.text == "key x")
        state.moveLeft()
        state.deleteToStart()
        #expect(state.text == "x")
        #expect(state.cursor == 0)
        state.clear()
        #expect(state.isEmpty)
    }

    @Test func controlCharactersAreNeverInserted() {
        var state = PromptState(text: "a\nb\u{1b}c\t\u{202e}d")
        #expect(state.text == "abcd")
        state.insert("\u{7}")
        #expect(state.text == "abcd")
    }

    @Test func combiningMarksJoinThePreviousGrapheme() {
        var state = PromptState(text: "e")
        state.insert("\u{301}")
        #expect(state.characters == ["e\u{301}"])
        #expect(state.cursor == 1)
        #expect(did(&state) { $0.deleteBackward() })
        #expect(state.isEmpty)
    }

    @Test func keysEditAndReportOutcomes() {
        var state = PromptState()
        #expect(press(&state, .char("h")) == .edited)
        #expect(press(&state, .char("i")) == .edited)
        #expect(press(&state, .left) == .moved)
        #expect(press(&state, .home) == .moved)
        #expect(press(&state, .left) == .ignored)
        #expect(press(&state, .delete) == .edited)
        #expect(state.text == "i")
        #expect(press(&state, .ctrl("e")) == .moved)
        #expect(press(&state, .backspace) == .edited)
        #expect(press(&state, .backspace) == .ignored)
        state.insert("query")
        #expect(press(&state, .ctrl("c")) == .ignored)
        #expect(press(&state, .up) == .ignored)
        #expect(press(&state, .enter) == .submitted("query"))
        #expect(press(&state, .escape) == .cancelled)
        #expect(press(&state, .ctrl("g")) == .cancelled)
        #expect(press(&state, .ctrl("u")) == .edited)
        #expect(state.isEmpty)
    }
}

/// Runs a mutating prompt operation outside `#expect` (which cannot mutate) and returns its result.
private func did(_ state: inout PromptState, _ operation: (inout PromptState) -> Bool) -> Bool {
    operation(&state)
}

/// Sends one key to the prompt.
private func press(_ state: inout PromptState, _ key: Key) -> PromptState.Outcome {
    state.handle(key)
}
