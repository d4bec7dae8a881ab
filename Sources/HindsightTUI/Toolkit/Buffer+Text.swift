/// Text views of a buffer, for tests and snapshot files.
extension Buffer {
    /// One string per row, continuation cells left out, so each string's display width is exactly ``width``.
    ///
    /// Trailing spaces are kept (every row is full width); pass `trimmingTrailingSpaces: true` to drop them.
    public func plainLines(trimmingTrailingSpaces: Bool = false) -> [String] {
        (0..<height).map { y in
            var row = ""
            row.reserveCapacity(width)
            for x in 0..<width {
                let cell = cells[y * width + x]
                if !cell.isContinuation { row.append(cell.symbol) }
            }
            if trimmingTrailingSpaces {
                while row.last == " " { row.removeLast() }
            }
            return row
        }
    }

    /// The runs of cells in one row that share a non-plain style, left to right.
    public func styleRuns(row y: Int) -> [(columns: ClosedRange<Int>, style: Style)] {
        guard y >= 0, y < height else { return [] }
        var runs: [(columns: ClosedRange<Int>, style: Style)] = []
        var x = 0
        while x < width {
            let style = cells[y * width + x].style
            var end = x
            while end + 1 < width, cells[y * width + end + 1].style == style { end += 1 }
            if !style.isPlain { runs.append((x...end, style)) }
            x = end + 1
        }
        return runs
    }

    /// The buffer as text plus a style section, the format of snapshot files.
    ///
    /// The text rows come first (trailing spaces trimmed, so editors keep files intact), then
    /// `--- styles` and one line per run of non-plain cells: `row:firstColumn-lastColumn style`,
    /// e.g. `0:0-11 fg=cyan bold`. A buffer without styles has no style section. A final line
    /// records the size (`--- 20x5`) because trimmed rows do not show it.
    public func styledDescription() -> String {
        var out = plainLines(trimmingTrailingSpaces: true)
        out.append("--- \(width)x\(height)")
        var styleLines: [String] = []
        for y in 0..<height {
            for run in styleRuns(row: y) {
                styleLines.append("\(y):\(run.columns.lowerBound)-\(run.columns.upperBound) \(run.style)")
            }
        }
        if !styleLines.isEmpty {
            out.append("--- styles")
            out.append(contentsOf: styleLines)
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The buffer's text only, trailing spaces trimmed, rows joined by newlines (plus the size line).
    public func plainDescription() -> String {
        (plainLines(trimmingTrailingSpaces: true) + ["--- \(width)x\(height)"]).joined(separator: "\n") + "\n"
    }
}
