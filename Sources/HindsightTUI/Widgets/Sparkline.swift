/// A bar chart of counts in block characters `▁▂▃▄▅▆▇█`, scaled to the largest count, with markers.
///
/// Used as the timeline histogram: `data[i]` is the number of events in time bucket `i`. When there
/// are more values than columns, adjacent values are summed into columns. Any non-zero value shows
/// at least `▁`; zero shows blank. Bars can span several rows (eighths of the total height).
///
/// ``position`` (the scrubber) and ``markers`` (e.g. `A`/`B` diff ends) are given as data indices.
/// With two rows or more and any marker to show, the bottom row is a marker lane:
/// ```
///  ▂▅█▃  ▁▇
///    ▲A   B
/// ```
/// In a single row, the position column gets ``positionStyle`` and markers replace the bar glyph.
public struct Sparkline: Widget {
    /// A symbol shown at a data index.
    public struct Marker: Sendable, Hashable {
        public var index: Int
        public var symbol: Character
        public var style: Style

        public init(index: Int, symbol: Character, style: Style = Style(bold: true)) {
            self.index = index
            self.symbol = symbol
            self.style = style
        }
    }

    /// The bar glyphs by eighths, from empty to full.
    public static let levels: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The counts, one per bucket (e.g. events per time slice).
    public var data: [Int]
    /// The value drawn as a full-height bar; nil uses the largest value in ``data``.
    public var maxValue: Int?
    public var style: Style
    /// The data index of the current position, or nil.
    public var position: Int?
    /// Layered over the bar column at ``position``.
    public var positionStyle: Style
    /// The symbol under the position in the marker lane.
    public var positionSymbol: Character
    /// Extra symbols at data indices (e.g. `A`/`B`), drawn over the position symbol.
    public var markers: [Marker]

    public init(
        _ data: [Int],
        maxValue: Int? = nil,
        style: Style = .plain,
        position: Int? = nil,
        positionStyle: Style = Style(reverse: true),
        positionSymbol: Character = "▲",
        markers: [Marker] = []
    ) {
        self.data = data
        self.maxValue = maxValue
        self.style = style
        self.position = position
        self.positionStyle = positionStyle
        self.positionSymbol = positionSymbol
        self.markers = markers
    }

    /// The values per column when `count` values are drawn in `width` columns: one value per column
    /// when they fit, else column `c` sums values `c*count/width ..< (c+1)*count/width`.
    public static func columns(of data: [Int], width: Int) -> [Int] {
        guard width > 0 else { return [] }
        let count = data.count
        if count <= width { return data }
        return (0..<width).map { c in
            data[(c * count / width)..<((c + 1) * count / width)].reduce(0, +)
        }
    }

    /// The column that shows data index `index` when `count` values are drawn in `width` columns.
    public static func column(forIndex index: Int, count: Int, width: Int) -> Int {
        guard count > width, width > 0 else { return index }
        // The largest column c whose first index c*count/width is <= index.
        return ((index + 1) * width - 1) / count
    }

    public func render(in area: Rect, into buffer: inout Buffer) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        buffer.fill(area, style: style)
        let values = Sparkline.columns(of: data, width: area.width)
        let hasMarkers = position != nil || !markers.isEmpty
        let lane = hasMarkers && area.height >= 2
        let barRows = lane ? area.height - 1 : area.height
        let top = values.max() ?? 0
        let scale = max(1, maxValue ?? top)
        let eighths = barRows * 8
        for (column, value) in values.enumerated() {
            let clamped = min(max(0, value), scale)
            let level = clamped == 0 ? 0 : max(1, (clamped * eighths + scale - 1) / scale)
            for row in 0..<barRows {
                let cellLevel = min(8, max(0, level - row * 8))
                let y = area.y + barRows - 1 - row
                buffer.put(String(Sparkline.levels[cellLevel]), x: area.x + column, y: y, style: style)
            }
        }
        let laneY = area.maxY - 1
        if let position, let column = visibleColumn(for: position, width: area.width) {
            buffer.patchStyle(Rect(x: area.x + column, y: area.y, width: 1, height: barRows), positionStyle)
            if lane { buffer.put(String(positionSymbol), x: area.x + column, y: laneY, style: style.patched(with: Style(bold: true))) }
        }
        for marker in markers {
            guard let column = visibleColumn(for: marker.index, width: area.width) else { continue }
            buffer.put(String(marker.symbol), x: area.x + column, y: laneY, style: style.patched(with: marker.style), maxWidth: 1)
        }
    }

    /// The column of data index `index`, or nil when it is outside the data or the width.
    private func visibleColumn(for index: Int, width: Int) -> Int? {
        guard index >= 0, index < max(data.count, 1) else { return nil }
        let column = Sparkline.column(forIndex: index, count: data.count, width: width)
        return column < width ? column : nil
    }
}
