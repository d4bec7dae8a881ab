import HindsightTUI
import Testing

@Suite("Layout")
struct LayoutTests {
    let area = Rect(x: 2, y: 1, width: 20, height: 10)

    @Test func verticalFixedAndFill() {
        let parts = Layout.vertical([.length(1), .fill, .length(2)]).split(area)
        #expect(parts == [
            Rect(x: 2, y: 1, width: 20, height: 1),
            Rect(x: 2, y: 2, width: 20, height: 7),
            Rect(x: 2, y: 9, width: 20, height: 2),
        ])
    }

    @Test func horizontalPercentagesAndWeights() {
        let parts = area.split(.horizontal, [.percentage(25), .fill(1), .fill(2)])
        #expect(parts.map(\.width) == [5, 5, 10])
        #expect(parts.map(\.x) == [2, 7, 12])
        #expect(parts.allSatisfy { $0.y == 1 && $0.height == 10 })
    }

    @Test func leftoverGoesToTheFirstFill() {
        #expect(area.split(.horizontal, [.fill, .fill, .fill]).map(\.width) == [7, 7, 6])
    }

    @Test func minimumGrowsLikeAFill() {
        #expect(area.split(.horizontal, [.min(4), .length(6), .fill]).map(\.width) == [9, 6, 5])
    }

    @Test("When fixed pieces do not fit, later pieces shrink")
    func overflow() {
        let parts = area.split(.vertical, [.length(6), .length(6), .fill])
        #expect(parts.map(\.height) == [6, 4, 0])
        #expect(parts[1].maxY == area.maxY)
    }

    @Test func spacingLeavesGaps() {
        let parts = area.split(.horizontal, [.length(5), .fill, .length(5)], spacing: 1)
        #expect(parts.map(\.width) == [5, 8, 5])
        #expect(parts.map(\.x) == [2, 8, 17])
    }

    @Test("Pieces never overlap and never leave the area", arguments: 0...25)
    func piecesStayInside(width: Int) {
        let rect = Rect(x: 0, y: 0, width: width, height: 1)
        let parts = rect.split(.horizontal, [.length(3), .percentage(30), .min(2), .fill(2), .length(4)], spacing: 1)
        #expect(parts.count == 5)
        for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.maxX <= b.x) }
        #expect(parts.allSatisfy { $0.width >= 0 && $0.maxX <= max(rect.maxX, $0.x) })
        #expect(parts.reduce(0) { $0 + $1.width } <= width)
    }

    @Test func rectHelpers() {
        let r = Rect(x: 1, y: 1, width: 10, height: 5)
        #expect(r.inset(by: 1) == Rect(x: 2, y: 2, width: 8, height: 3))
        #expect(r.inset(by: 4).isEmpty)
        #expect(r.centered(width: 4, height: 1) == Rect(x: 4, y: 3, width: 4, height: 1))
        #expect(r.centered(width: 40, height: 40) == r)
        #expect(r.intersection(Rect(x: 8, y: 0, width: 10, height: 3)) == Rect(x: 8, y: 1, width: 3, height: 2))
        #expect(r.intersection(Rect(x: 20, y: 20, width: 1, height: 1)).isEmpty)
        #expect(r.contains(Point(x: 1, y: 1)) && !r.contains(Point(x: 11, y: 1)))
        #expect(r.row(2) == Rect(x: 1, y: 3, width: 10, height: 1))
        #expect(r.row(5).isEmpty)
        #expect(Rect(x: 0, y: 0, width: -3, height: 2).width == 0)
    }
}
