/// Horizontal placement of a line inside the width it is drawn in.
public enum Alignment: Sendable, Hashable {
    case left, center, right

    /// The column offset at which text of `contentWidth` starts inside `width` columns.
    public func offset(contentWidth: Int, in width: Int) -> Int {
        let gap = max(0, width - contentWidth)
        switch self {
        case .left: return 0
        case .center: return gap / 2
        case .right: return gap
        }
    }
}
