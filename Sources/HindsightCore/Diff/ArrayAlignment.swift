/// Lines up the elements of two arrays for a structural diff.
///
/// Equal elements at the start and end are trimmed first. The rest is aligned on a longest common
/// subsequence of equal elements (Myers' O((N+M)·D) algorithm); between two kept elements, the
/// leftover old and new elements are paired in order (so a changed element yields nested changes)
/// and the surplus is removed or added. Equal-length middles are compared position by position
/// when that gives no more changes than the LCS. Arrays whose edit distance exceeds a budget
/// (huge arrays that changed a lot) fall back to the positional alignment.
enum ArrayAlignment {
    /// How one element of the old or new array takes part in the alignment.
    enum Step: Equatable {
        /// Old element `old` is gone.
        case removed(old: Int)
        /// New element `new` is new.
        case added(new: Int)
        /// Old element `old` became new element `new`, with changes inside.
        case paired(old: Int, new: Int)
    }

    /// The largest edit distance the LCS search explores before falling back to positions.
    static let maxEditDistance = 1_500
    /// The most work (elements × edit distance) the LCS search may do.
    static let workBudget = 40_000_000

    /// The elements of `old` and `new` that differ: removals, additions and changed pairs, in index order.
    ///
    /// Unchanged elements do not appear. Pairs and removals ascend by old index, pairs and additions by new index.
    ///
    /// - Complexity: O(N + M) for the trimmed ends; O((N+M)·D) for the middle, D its edit distance
    ///   (bounded by ``maxEditDistance`` and ``workBudget``; beyond them O(N + M)).
    static func align(_ old: [JSON], _ new: [JSON]) -> [Step] {
        // Compare by small integer ids instead of deep equality.
        var ids: [JSON: Int] = [:]
        func id(_ value: JSON) -> Int {
            if let known = ids[value] { return known }
            let next = ids.count
            ids[value] = next
            return next
        }
        return align(old.count, new.count, same: { old[$0] == new[$1] }) { o, n in (o.map { id(old[$0]) }, n.map { id(new[$0]) }) }
    }

    /// ``align(_:_:)`` for arrays given as ids: equal elements have equal ids.
    static func align(ids old: [Int], _ new: [Int]) -> [Step] {
        align(old.count, new.count, same: { old[$0] == new[$1] }) { o, n in (Array(old[o]), Array(new[n])) }
    }

    /// Trims the equal ends (`same(i, j)`: old element i equals new element j), then aligns the
    /// middles as ids (`middles` gives them for the old and new index ranges).
    private static func align(_ n: Int, _ m: Int, same: (Int, Int) -> Bool,
                              middles: (Range<Int>, Range<Int>) -> ([Int], [Int])) -> [Step] {
        let (prefix, suffix) = equalEnds(n, m, same)
        let oldRange = prefix..<(n - suffix)
        let newRange = prefix..<(m - suffix)
        if oldRange.isEmpty || newRange.isEmpty {
            return oldRange.map { .removed(old: $0) } + newRange.map { .added(new: $0) }
        }
        let (a, b) = middles(oldRange, newRange)
        return alignMiddle(a, b, prefix: prefix)
    }

    /// How many elements at the start and at the end are equal (not overlapping).
    private static func equalEnds(_ n: Int, _ m: Int, _ same: (Int, Int) -> Bool) -> (prefix: Int, suffix: Int) {
        var prefix = 0
        while prefix < n, prefix < m, same(prefix, prefix) { prefix += 1 }
        var suffix = 0
        while suffix < n - prefix, suffix < m - prefix, same(n - 1 - suffix, m - 1 - suffix) { suffix += 1 }
        return (prefix, suffix)
    }

    /// Aligns the trimmed middles (as ids; both non-empty), giving steps in whole-array indices.
    private static func alignMiddle(_ a: [Int], _ b: [Int], prefix: Int) -> [Step] {
        let positional = a.count == b.count ? zip(a, b).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) } : nil
        var steps: [Step]
        if let matches = longestCommonSubsequence(a, b) {
            let lcsSteps = stepsAround(matches: matches, oldCount: a.count, newCount: b.count)
            if let positional, positional <= lcsSteps.count {
                steps = positionalSteps(a, b)
            } else {
                steps = lcsSteps
            }
        } else {
            steps = positionalSteps(a, b)
        }
        // Shift back from the trimmed middle to whole-array indices.
        for i in steps.indices {
            switch steps[i] {
            case .removed(let o): steps[i] = .removed(old: o + prefix)
            case .added(let n): steps[i] = .added(new: n + prefix)
            case .paired(let o, let n): steps[i] = .paired(old: o + prefix, new: n + prefix)
            }
        }
        return steps
    }

    /// Pairs elements position by position; the longer side's tail is removed or added.
    static func positionalSteps(_ a: [Int], _ b: [Int]) -> [Step] {
        var steps: [Step] = []
        let common = min(a.count, b.count)
        for i in 0..<common where a[i] != b[i] { steps.append(.paired(old: i, new: i)) }
        for i in common..<a.count { steps.append(.removed(old: i)) }
        for i in common..<b.count { steps.append(.added(new: i)) }
        return steps
    }

    /// Turns kept (old, new) index pairs into steps: each gap between kept elements pairs its
    /// old and new elements in order, then removes or adds the surplus.
    static func stepsAround(matches: [(Int, Int)], oldCount: Int, newCount: Int) -> [Step] {
        var steps: [Step] = []
        var oldStart = 0
        var newStart = 0
        for (oldEnd, newEnd) in matches + [(oldCount, newCount)] {
            let paired = min(oldEnd - oldStart, newEnd - newStart)
            for k in 0..<paired { steps.append(.paired(old: oldStart + k, new: newStart + k)) }
            for o in (oldStart + paired)..<oldEnd { steps.append(.removed(old: o)) }
            for n in (newStart + paired)..<newEnd { steps.append(.added(new: n)) }
            oldStart = oldEnd + 1
            newStart = newEnd + 1
        }
        return steps
    }

    /// A longest common subsequence of `a` and `b` as ascending (old index, new index) pairs, or
    /// nil when the edit distance exceeds the budget.
    ///
    /// Myers' greedy algorithm, keeping each round's furthest-reaching diagonals (O(D²) memory) to trace the path back.
    static func longestCommonSubsequence(_ a: [Int], _ b: [Int]) -> [(Int, Int)]? {
        let n = a.count
        let m = b.count
        let limit = min(n + m, maxEditDistance, max(16, workBudget / max(1, n + m)))
        let offset = n + m + 1
        var v = [Int](repeating: 0, count: 2 * (n + m) + 3)
        // trace[start(d) + k + d] = v[k] after round d, for k in -d...d.
        var trace: [Int32] = []
        func start(_ d: Int) -> Int { d * d }
        for d in 0...limit {
            var k = -d
            while k <= d {
                var x: Int
                if k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) {
                    x = v[offset + k + 1]
                } else {
                    x = v[offset + k - 1] + 1
                }
                var y = x - k
                while x < n, y < m, a[x] == b[y] {
                    x += 1
                    y += 1
                }
                v[offset + k] = x
                if x >= n, y >= m {
                    for j in -d...d { trace.append(Int32(v[offset + j])) }
                    return backtrack(trace: trace, rounds: d, n: n, m: m, start: start)
                }
                k += 2
            }
            for j in -d...d { trace.append(Int32(v[offset + j])) }
        }
        return nil
    }

    /// Walks the recorded rounds back from (n, m) and collects the diagonal moves (matches).
    private static func backtrack(trace: [Int32], rounds: Int, n: Int, m: Int, start: (Int) -> Int) -> [(Int, Int)] {
        func furthest(_ d: Int, _ k: Int) -> Int { Int(trace[start(d) + k + d]) }
        var matches: [(Int, Int)] = []
        var x = n
        var y = m
        var d = rounds
        while d > 0 {
            let k = x - y
            let down = k == -d || (k != d && furthest(d - 1, k - 1) < furthest(d - 1, k + 1))
            let previousK = down ? k + 1 : k - 1
            let previousX = furthest(d - 1, previousK)
            let previousY = previousX - previousK
            let snakeX = down ? previousX : previousX + 1
            while x > snakeX {
                x -= 1
                y -= 1
                matches.append((x, y))
            }
            x = previousX
            y = previousY
            d -= 1
        }
        while x > 0, y > 0 {
            x -= 1
            y -= 1
            matches.append((x, y))
        }
        matches.reverse()
        return matches
    }
}
