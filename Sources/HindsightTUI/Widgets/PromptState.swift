import HindsightCore

/// The text and cursor of a one-line input (search, go to offset...), edited by keys.
///
/// The cursor is a grapheme index `0...count`. Control characters and newlines are never
/// inserted: the input is one line of printable text.
public struct PromptState: Sendable, Hashable {
    /// What a key did to the prompt.
    public enum Outcome: Sendable, Hashable {
        /// The text changed.
        case edited
        /// Only the cursor moved.
        case moved
        /// Enter: the caller acts on the text.
        case submitted(String)
        /// Esc or Ctrl-G: the caller closes the prompt.
        case cancelled
        /// The key means nothing to the prompt (e.g. Ctrl-C, ↑): the caller may handle it.
        case ignored
    }

    /// The graphemes of the text.
    public private(set) var characters: [Character]
    /// The insertion point: the index of the grapheme the cursor is on (``characters``.count at the end).
    public private(set) var cursor: Int

    /// A prompt holding `text` (sanitised to one line) with the cursor at the end.
    public init(text: String = "") {
        characters = []
        cursor = 0
        insert(text)
    }

    /// The current text.
    public var text: String { String(characters) }
    /// Whether the text is empty.
    public var isEmpty: Bool { characters.isEmpty }

    /// Inserts `c` at the cursor and moves past it; a control character is ignored (returns false).
    ///
    /// A combining mark joins the grapheme before the cursor, as it would in the text.
    @discardableResult
    public mutating func insert(_ c: Character) -> Bool {
        guard TextSafety.isSafe(String(c)) else { return false }
        if cursor > 0 {
            let joined = String(characters[cursor - 1]) + String(c)
            if joined.count == 1, let merged = joined.first {
                characters[cursor - 1] = merged
                return true
            }
        }
        characters.insert(c, at: cursor)
        cursor += 1
        return true
    }

    /// Inserts every character of `s` (e.g. a paste), skipping control characters.
    public mutating func insert(_ s: String) {
        for c in s { insert(c) }
    }

    /// Backspace: deletes the grapheme before the cursor. Returns false at the start.
    @discardableResult
    public mutating func deleteBackward() -> Bool {
        guard cursor > 0 else { return false }
        characters.remove(at: cursor - 1)
        cursor -= 1
        return true
    }

    /// Delete: deletes the grapheme under the cursor. Returns false at the end.
    @discardableResult
    public mutating func deleteForward() -> Bool {
        guard cursor < characters.count else { return false }
        characters.remove(at: cursor)
        return true
    }

    /// Ctrl-W: deletes the word before the cursor (and the spaces after it).
    public mutating func deleteWordBackward() {
        var start = cursor
        while start > 0, characters[start - 1] == " " { start -= 1 }
        while start > 0, characters[start - 1] != " " { start -= 1 }
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    /// Ctrl-U: deletes everything before the cursor.
    public mutating func deleteToStart() {
        characters.removeSubrange(0..<cursor)
        cursor = 0
    }

    /// Ctrl-K: deletes everything from the cursor on.
    public mutating func deleteToEnd() {
        characters.removeSubrange(cursor...)
    }

    /// Empties the text.
    public mutating func clear() {
        characters = []
        cursor = 0
    }

    /// Moves the cursor one grapheme left. Returns false at the start.
    @discardableResult
    public mutating func moveLeft() -> Bool {
        guard cursor > 0 else { return false }
        cursor -= 1
        return true
    }

    /// Moves the cursor one grapheme right. Returns false at the end.
    @discardableResult
    public mutating func moveRight() -> Bool {
        guard cursor < characters.count else { return false }
        cursor += 1
        return true
    }

    /// Moves the cursor before the first grapheme.
    public mutating func moveToStart() {
        cursor = 0
    }

    /// Moves the cursor after the last grapheme.
    public mutating func moveToEnd() {
        cursor = characters.count
    }

    /// Applies an editing key: characters, ←/→, Home/End (Ctrl-A/Ctrl-E), Backspace, Del,
    /// Ctrl-W, Ctrl-U, Ctrl-K; Enter submits; Esc and Ctrl-G cancel. Anything else is ``Outcome/ignored``.
    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .char(let c):
            return insert(c) ? .edited : .ignored
        case .backspace, .ctrl("h"):
            return deleteBackward() ? .edited : .ignored
        case .delete, .ctrl("d"):
            return deleteForward() ? .edited : .ignored
        case .left, .ctrl("b"):
            return moveLeft() ? .moved : .ignored
        case .right, .ctrl("f"):
            return moveRight() ? .moved : .ignored
        case .home, .ctrl("a"):
            moveToStart()
            return .moved
        case .end, .ctrl("e"):
            moveToEnd()
            return .moved
        case .ctrl("w"):
            deleteWordBackward()
            return .edited
        case .ctrl("u"):
            deleteToStart()
            return .edited
        case .ctrl("k"):
            deleteToEnd()
            return .edited
        case .enter:
            return .submitted(text)
        case .escape, .ctrl("g"):
            return .cancelled
        default:
            return .ignored
        }
    }
}
