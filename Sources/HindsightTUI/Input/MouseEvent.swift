/// A mouse button or wheel event at a cell.
public struct MouseEvent: Hashable, Sendable {
    /// What happened.
    public enum Kind: Hashable, Sendable {
        /// The (left) button went down.
        case press
        /// The (left) button went up.
        case release
        case wheelUp
        case wheelDown
    }

    /// The column, 0-based.
    public var x: Int
    /// The row, 0-based.
    public var y: Int
    public var kind: Kind

    public init(x: Int, y: Int, kind: Kind) {
        self.x = x
        self.y = y
        self.kind = kind
    }

    /// The cell the event happened at.
    public var point: Point { Point(x: x, y: y) }
}

extension MouseEvent: CustomStringConvertible {
    /// E.g. `press at (3, 4)`.
    public var description: String {
        let name: String
        switch kind {
        case .press: name = "press"
        case .release: name = "release"
        case .wheelUp: name = "wheel up"
        case .wheelDown: name = "wheel down"
        }
        return "\(name) at (\(x), \(y))"
    }
}
