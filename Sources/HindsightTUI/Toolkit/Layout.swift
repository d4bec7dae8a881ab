/// The axis along which ``Layout`` splits a rect.
public enum Direction: Sendable, Hashable {
    /// Side by side: the pieces share the width.
    case horizontal
    /// Stacked: the pieces share the height.
    case vertical
}

/// How much of the split axis one piece of a ``Layout`` gets.
public enum Constraint: Sendable, Hashable {
    /// Exactly `n` cells (less if the space runs out).
    case length(Int)
    /// `p` percent of the whole axis (rounded down).
    case percentage(Int)
    /// At least `n` cells, plus a share of what is left like ``fill(_:)`` with weight 1.
    case min(Int)
    /// A share of the space left after the fixed pieces, in proportion to the weight.
    case fill(Int)

    /// A fill of weight 1.
    public static var fill: Constraint { .fill(1) }
}

/// Splits a rect into adjacent pieces along one axis, like ratatui's `Layout`.
///
/// Fixed pieces (`length`, `percentage`, the minimum of `min`) are served first, in order; when
/// they do not fit, later pieces shrink (down to zero). The rest is shared by `fill` and `min`
/// pieces by weight; rounding leftovers go to the first of them. Pieces never overlap, and
/// together with `spacing` gaps they never exceed the rect.
public struct Layout: Sendable, Hashable {
    public var direction: Direction
    public var constraints: [Constraint]
    /// Cells left empty between adjacent pieces.
    public var spacing: Int

    public init(_ direction: Direction, _ constraints: [Constraint], spacing: Int = 0) {
        self.direction = direction
        self.constraints = constraints
        self.spacing = max(0, spacing)
    }

    /// A vertical layout (pieces stacked top to bottom).
    public static func vertical(_ constraints: [Constraint], spacing: Int = 0) -> Layout {
        Layout(.vertical, constraints, spacing: spacing)
    }

    /// A horizontal layout (pieces left to right).
    public static func horizontal(_ constraints: [Constraint], spacing: Int = 0) -> Layout {
        Layout(.horizontal, constraints, spacing: spacing)
    }

    /// The pieces of `area`, one per constraint, in order.
    public func split(_ area: Rect) -> [Rect] {
        let total = direction == .horizontal ? area.width : area.height
        let sizes = Layout.sizes(total: total, constraints: constraints, spacing: spacing)
        var rects: [Rect] = []
        rects.reserveCapacity(sizes.count)
        var position = direction == .horizontal ? area.x : area.y
        for (index, size) in sizes.enumerated() {
            switch direction {
            case .horizontal:
                rects.append(Rect(x: position, y: area.y, width: size, height: area.height))
            case .vertical:
                rects.append(Rect(x: area.x, y: position, width: area.width, height: size))
            }
            position += size
            if index < sizes.count - 1 { position += spacing }
        }
        return rects
    }

    /// The length of each piece along an axis of `total` cells.
    static func sizes(total: Int, constraints: [Constraint], spacing: Int) -> [Int] {
        guard !constraints.isEmpty else { return [] }
        let gaps = spacing * (constraints.count - 1)
        var available = Swift.max(0, total - gaps)
        var sizes = [Int](repeating: 0, count: constraints.count)
        var weights = [Int](repeating: 0, count: constraints.count)
        for (index, constraint) in constraints.enumerated() {
            let wanted: Int
            switch constraint {
            case .length(let n): wanted = Swift.max(0, n)
            case .percentage(let p): wanted = Swift.max(0, total * Swift.min(Swift.max(p, 0), 100) / 100)
            case .min(let n): wanted = Swift.max(0, n); weights[index] = 1
            case .fill(let w): wanted = 0; weights[index] = Swift.max(0, w)
            }
            let granted = Swift.min(wanted, available)
            sizes[index] = granted
            available -= granted
        }
        let totalWeight = weights.reduce(0, +)
        guard totalWeight > 0, available > 0 else { return sizes }
        var handedOut = 0
        for index in sizes.indices where weights[index] > 0 {
            let share = available * weights[index] / totalWeight
            sizes[index] += share
            handedOut += share
        }
        var leftover = available - handedOut
        for index in sizes.indices where weights[index] > 0 && leftover > 0 {
            sizes[index] += 1
            leftover -= 1
        }
        return sizes
    }
}

extension Rect {
    /// Splits the rect along `direction` by `constraints` (see ``Layout``).
    public func split(_ direction: Direction, _ constraints: [Constraint], spacing: Int = 0) -> [Rect] {
        Layout(direction, constraints, spacing: spacing).split(self)
    }
}
