import HindsightTUI
import Testing

@Suite("Sparkline")
struct SparklineTests {
    @Test func scalesToTheMaximum() {
        #expect(rendered(Sparkline([0, 1, 2, 4, 8]), width: 5, height: 1) == [" ▁▂▄█"])
        #expect(rendered(Sparkline([0, 1, 2, 4, 8]), width: 7, height: 1) == [" ▁▂▄█  "])
    }

    @Test func nonZeroValuesShowAtLeastTheLowestBar() {
        #expect(rendered(Sparkline([1, 1000]), width: 2, height: 1) == ["▁█"])
        #expect(rendered(Sparkline([0, 0, 0]), width: 3, height: 1) == ["   "])
        #expect(rendered(Sparkline([2, 4], maxValue: 8), width: 2, height: 1) == ["▂▄"])
    }

    @Test func spansSeveralRows() {
        #expect(rendered(Sparkline([0, 1, 2, 4, 8]), width: 5, height: 2) == ["    █", " ▂▄██"])
    }

    @Test func bucketsWhenThereAreMoreValuesThanColumns() {
        #expect(Sparkline.columns(of: [1, 2, 3, 4, 5, 6], width: 3) == [3, 7, 11])
        #expect(Sparkline.columns(of: [1, 2], width: 5) == [1, 2])
        #expect(rendered(Sparkline([1, 1, 1, 1, 2, 2]), width: 3, height: 1) == ["▄▄█"])
    }

    @Test("column(forIndex:) names the column whose bucket holds the index")
    func indexToColumnAgreesWithBuckets() {
        for count in 1...40 {
            for width in 1...12 {
                for index in 0..<count {
                    let column = Sparkline.column(forIndex: index, count: count, width: width)
                    if count <= width {
                        #expect(column == index)
                    } else {
                        let bucket = (column * count / width)..<((column + 1) * count / width)
                        #expect(bucket.contains(index), "count \(count) width \(width) index \(index) -> \(column)")
                    }
                }
            }
        }
    }

    @Test func markerLaneShowsPositionAndMarkers() {
        let sparkline = Sparkline(
            [1, 1, 1, 1, 1], position: 2,
            markers: [.init(index: 0, symbol: "A"), .init(index: 4, symbol: "B")])
        let buffer = renderedBuffer(sparkline, width: 5, height: 2)
        #expect(buffer.plainLines() == ["█████", "A ▲ B"])
        #expect(buffer[2, 0].style.reverse)
        #expect(!buffer[1, 0].style.reverse)
    }

    @Test func singleRowOverlaysMarkers() {
        let buffer = renderedBuffer(Sparkline([1, 1, 1], position: 2, markers: [.init(index: 1, symbol: "A")]), width: 3, height: 1)
        #expect(buffer.plainLines() == ["█A█"])
        #expect(buffer[2, 0].style.reverse)
    }

    @Test func markersOutsideTheDataAreIgnored() {
        #expect(rendered(Sparkline([1, 1], position: 7, markers: [.init(index: -1, symbol: "A")]), width: 2, height: 2) == ["██", "  "])
    }
}
