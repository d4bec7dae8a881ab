import ArgumentParser
import Foundation
import HindsightCore
import HindsightTUI
import HindsightTerminal

struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the explorer on SOURCE (the default command).",
        discussion: """
            The explorer shows the event list, the state of the selected record as of that event, what the \
            event changed (or the diff between marks A and B), and a timeline scrubber. Press ? for the keys. \
            Nothing in the explorer writes to the log. A JSONL SOURCE seen for the first time is imported \
            in the background: the explorer opens after the first batch and grows as the rest comes in.

            Examples:
              hindsight sample-data/bank-account.jsonl
              hindsight open bank.log
              NO_COLOR=1 hindsight sample-data/shopping-cart.jsonl
            """
    )

    @OptionGroup var source: SourceArguments

    func run() throws {
        guard isatty(0) == 1 && isatty(1) == 1 else {
            throw HindsightError(.usage, "the explorer needs a terminal",
                                 hint: "use the scripted commands (events, state, history, diff, verify) in scripts and pipes")
        }
        let options = SourceOptions(rulesPath: source.fields.rules, importOptions: try source.fields.importOptions(format: source.inputFormat))
        let data: ExplorerData
        var background: BackgroundImport?
        if let pending = try LogSource.prepare(source.source, options: options) {
            if let cached = try pending.cachedLog() {
                data = ExplorerData(log: cached, rules: pending.rules, name: pending.name)
            } else {
                let job = BackgroundImport(pending)
                let progressLine = Output.Progress()
                try job.start { progressLine.update($0) }
                progressLine.finish()
                data = ExplorerData(log: try LogReader(directory: pending.staging), rules: pending.rules, name: pending.name)
                background = job
            }
        } else {
            let opened = try source.open()
            data = ExplorerData(log: opened.log, rules: opened.rules, name: opened.name)
        }
        let terminal = NcursesTerminal()
        defer { background?.cancelAndWait() }
        do {
            try TerminalSession.run(terminal) { terminal in
                let app = ExplorerApp(data: data, size: terminal.size)
                if let background {
                    app.onTick = { state, data in background.tick(&state, data) }
                    background.tick(&app.state, data)
                } else {
                    app.checkChainInBackground()
                }
                try app.run(on: terminal)
            }
        } catch let interrupted as TerminalInterrupted {
            background?.cancelAndWait()
            Foundation.exit(interrupted.exitStatus)
        } catch let error as TerminalError {
            throw HindsightError(.io, error.message)
        }
    }
}
