/// One terminal cell of a ``Buffer``: a grapheme and its style.
///
/// A wide grapheme (CJK, most emoji) occupies its own cell plus the cell to its right, which is
/// marked ``isContinuation`` and holds a space; a terminal skips continuation cells when drawing.
/// The symbol is always safe to send to a terminal (``Buffer`` escapes text before storing it).
public struct Cell: Sendable, Hashable {
    /// The grapheme shown in the cell (a space for a blank or continuation cell).
    public var symbol: Character
    public var style: Style
    /// Whether this cell is the right half of the wide grapheme in the cell to its left.
    public var isContinuation: Bool

    public init(symbol: Character = " ", style: Style = .plain, isContinuation: Bool = false) {
        self.symbol = symbol
        self.style = style
        self.isContinuation = isContinuation
    }

    /// A blank cell in the plain style.
    public static let blank = Cell()

    /// A blank cell in `style`.
    public static func blank(_ style: Style) -> Cell { Cell(symbol: " ", style: style) }
}
