import Foundation
import HindsightCore
import HindsightTUI

/// A log made from a sample file with a fixed clock, removed when the fixture goes away.
final class ExplorerFixture {
    let directory: String
    let data: ExplorerData

    static var sampleData: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../sample-data").standardized.path
    }

    init(sample: String = "bank-account", lines: String? = nil, rules: String? = nil) throws {
        directory = NSTemporaryDirectory() + "hindsight-explorer-\(UUID().uuidString.prefix(8))"
        let rulesText = try rules ?? String(contentsOfFile: ExplorerFixture.sampleData + "/\(sample).rules.json", encoding: .utf8)
        let parsedRules = try Rules.parse(Array(rulesText.utf8), name: "rules")
        let text = try lines ?? String(contentsOfFile: ExplorerFixture.sampleData + "/\(sample).jsonl", encoding: .utf8)
        nonisolated(unsafe) var clock: Int64 = 1_763_800_000_000_000
        let writer = try LogWriter(directory: directory, create: true, clock: {
            clock += 1_000_000
            return Timestamp(microseconds: clock)
        })
        _ = try ImportJob.run(InputData(name: "\(sample).jsonl", bytes: Array(text.utf8)), into: writer,
                              options: ImportOptions(fields: parsedRules.fields ?? FieldMapping()))
        writer.close()
        data = ExplorerData(log: try LogReader(directory: directory), rules: parsedRules, name: "\(sample).jsonl")
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Runs the app on an in-memory terminal with `keys` and returns the last screen.
    func run(_ keys: [InputEvent], size: Size = Size(width: 100, height: 30), checkChain: Bool = true) throws -> (Buffer, ExplorerApp) {
        let terminal = InMemoryTerminal(size: size)
        terminal.enqueue(keys)
        let app = ExplorerApp(data: data, size: size)
        if checkChain { app.checkChainOnOpen() }
        try TerminalSession.run(terminal) { t in try app.run(on: t) }
        return (terminal.lastBuffer ?? Buffer(size: size), app)
    }
}

extension InputEvent {
    static func keys(_ text: String) -> [InputEvent] {
        text.map { $0 == "\n" ? .key(.enter) : .key(.char($0)) }
    }
}
