import ArgumentParser
import Foundation
import HindsightCore
import HindsightTUI
import HindsightTerminal

struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the explorer on SOURCE (the default command).",
        discussion: """
            The explorer shows the event list, the state of the selected record as of that event, what the
            event changed (or the diff between marks A and B), and a timeline scrubber. Press ? for the keys.
            Nothing in the explorer writes to the log.

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
        let opened = try source.open()
        let data = ExplorerData(log: opened.log, rules: opened.rules, name: opened.name)
        let terminal = NcursesTerminal()
        do {
            try TerminalSession.run(terminal) { terminal in
                let app = ExplorerApp(data: data, size: terminal.size)
                app.checkChainOnOpen()
                try app.run(on: terminal)
            }
        } catch let interrupted as TerminalInterrupted {
            Foundation.exit(interrupted.exitStatus)
        } catch let error as TerminalError {
            throw HindsightError(.io, error.message)
        }
    }
}
