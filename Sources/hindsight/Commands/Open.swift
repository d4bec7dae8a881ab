import ArgumentParser
import HindsightCore

struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the explorer on SOURCE (the default command).",
        discussion: """
            Examples:
              hindsight sample-data/bank-account.jsonl
              hindsight open bank.log
            """
    )

    @OptionGroup var source: SourceArguments

    func run() throws {
        throw HindsightError(.usage, "the explorer is not built yet in this version", hint: "use the scripted commands: events, state, history, diff, verify")
    }
}
