import ArgumentParser
import Foundation
import HindsightCore

@main
struct Hindsight: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hindsight",
        abstract: "A terminal time-travel explorer for immutable event logs.",
        discussion: """
            SOURCE is a log directory (made by `hindsight import`) or a JSONL / CloudEvents / kcat -J file, \
            which is imported into a cache keyed by its content (so the second open is instant).

            Examples:
              hindsight sample-data/bank-account.jsonl          open the explorer
              hindsight import events.jsonl --log bank.log      append events to a log
              hindsight state bank.log --at 2026-11-21T15:00:00Z --key acct-1
              hindsight history bank.log --key acct-1
              hindsight diff bank.log --key acct-1 --from v1 --to v3
              hindsight verify bank.log
            """,
        version: HindsightVersion.string,
        subcommands: [Open.self, Import.self, Events.self, State.self, History.self, Diff.self, Export.self, Verify.self, Find.self, Blame.self],
        defaultSubcommand: Open.self
    )

    /// Runs the command; a `HindsightError` becomes one line on stderr and its exit status.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as HindsightError {
            Output.flush()
            Output.error(error)
            Foundation.exit(error.code.exitStatus)
        } catch {
            Output.flush()
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }  // --help, --version
            // Argument errors quote what was typed: escape controls line by line (the usage text spans lines).
            let message = fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
                .map { TextSafety.escape(String($0)) }.joined(separator: "\n")
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(code.rawValue)
        }
        Output.flush()
    }
}

enum HindsightVersion {
    static let string = "0.1.0"
}
