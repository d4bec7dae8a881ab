import Foundation
import HindsightTUI
import Testing

/// Compares `buffer` with the snapshot file `Snapshots/NAME.txt` of this test target.
///
/// The file holds ``Buffer/styledDescription()`` (text rows, size, and style runs) when
/// `includeStyles` is set, else ``Buffer/plainDescription()``. When the file is missing, or when
/// the environment has `HINDSIGHT_RECORD_SNAPSHOTS=1`, the helper writes the file and fails on
/// purpose, saying it recorded: review the file, then run the test again.
func assertSnapshot(
    _ buffer: Buffer,
    named name: String,
    includeStyles: Bool = true,
    filePath: String = #filePath,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let actual = includeStyles ? buffer.styledDescription() : buffer.plainDescription()
    let url = snapshotDirectory(from: filePath).appendingPathComponent("\(name).txt")
    let recording = ProcessInfo.processInfo.environment["HINDSIGHT_RECORD_SNAPSHOTS"] == "1"
    let expected = try? String(contentsOf: url, encoding: .utf8)
    if recording || expected == nil {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("Recorded snapshot \(url.path); review it and run the test again without HINDSIGHT_RECORD_SNAPSHOTS.", sourceLocation: sourceLocation)
        } catch {
            Issue.record("Could not record snapshot \(url.path): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let expected, expected != actual else { return }
    let expectedLines = expected.components(separatedBy: "\n")
    let actualLines = actual.components(separatedBy: "\n")
    let firstDifference = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        ?? min(expectedLines.count, actualLines.count)
    Issue.record(
        """
        Snapshot \(name) differs at line \(firstDifference + 1) (re-record with HINDSIGHT_RECORD_SNAPSHOTS=1 if the change is intended).
        --- expected (\(url.path))
        \(expected)
        --- actual
        \(actual)
        """,
        sourceLocation: sourceLocation)
}

/// The `Snapshots` folder of the test target that contains `filePath` (found by walking up to `HindsightTUITests`).
private func snapshotDirectory(from filePath: String) -> URL {
    var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    while directory.path != "/" && directory.lastPathComponent != "HindsightTUITests" {
        directory = directory.deletingLastPathComponent()
    }
    if directory.lastPathComponent != "HindsightTUITests" {
        directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    }
    return directory.appendingPathComponent("Snapshots")
}

/// Renders `widget` into a fresh buffer of `width` × `height` and returns its rows (trailing spaces kept).
func rendered(_ widget: some Widget, width: Int, height: Int) -> [String] {
    var buffer = Buffer(width: width, height: height)
    widget.render(in: buffer.area, into: &buffer)
    return buffer.plainLines()
}

/// Renders `widget` into a fresh buffer of `width` × `height`.
func renderedBuffer(_ widget: some Widget, width: Int, height: Int) -> Buffer {
    var buffer = Buffer(width: width, height: height)
    widget.render(in: buffer.area, into: &buffer)
    return buffer
}
