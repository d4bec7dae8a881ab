import Foundation
import Testing

/// Drives the real binary inside a private tmux server, polling the screen (never a fixed sleep).
final class TmuxSession {
    let socket: String
    let session = "S"
    let scratch = Scratch()

    init(command: String, width: Int = 100, height: Int = 30, environment: [String: String] = [:]) throws {
        socket = "hs-test-\(UUID().uuidString.prefix(8))"
        var env = ["LANG": "C.UTF-8", "XDG_CACHE_HOME": scratch.cache, "TERM": "xterm-256color"]
        for (k, v) in environment { env[k] = v }
        let envArgs = env.flatMap { ["-e", "\($0.key)=\($0.value)"] }
        let script = scratch.write("run.sh", """
            cd '\(CLI.repoRoot)'
            sh -c 'echo $$ > "$0"; exec \(command)' '\(scratch.file("pid"))'
            echo "EXITED rc=$?"
            sleep 60
            """)
        try tmux(["-f", "/dev/null", "new-session", "-d", "-s", session, "-x", String(width), "-y", String(height)] + envArgs + ["sh \(script)"])
    }

    deinit {
        _ = try? tmux(["kill-server"])
    }

    /// Runs `tmux -L socket args` with posix_spawn and waitpid (a daemonizing tmux server confuses
    /// Foundation's Process); capture-pane's output goes through a temporary file.
    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let outFile = scratch.file("tmux-out-\(UUID().uuidString.prefix(6))")
        let argv = ["tmux", "-L", socket] + args
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "tmux", &actions, nil, &cArgs, environ)
        guard rc == 0 else { throw CocoaError(.executableNotLoadable) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: outFile)
        return text
    }

    func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", session]) }

    func send(_ keys: String...) throws { try tmux(["send-keys", "-t", session] + keys) }

    func type(_ text: String) throws { try tmux(["send-keys", "-t", session, "-l", text]) }

    /// Waits until the screen satisfies `condition` (polling every 20 ms, up to `timeout` seconds).
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 10, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.02)
        }
        Issue.record("timed out waiting for \(what); the screen was:\n\(last)")
        return last
    }

    @discardableResult
    func waitFor(_ text: String, timeout: Double = 10) throws -> String {
        try waitFor("\"\(text)\"", timeout: timeout) { $0.contains(text) }
    }

    var pid: Int32? {
        (try? String(contentsOfFile: scratch.file("pid"), encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

@Suite("Explorer end to end in tmux", .serialized)
struct ExplorerTmuxTests {
    var command: String { "\(CLI.binary) sample-data/bank-account.jsonl" }

    @Test func bankSampleEndHomeMarksResizeQuit() throws {
        let t = try TmuxSession(command: command)
        try t.waitFor("11 events")
        try t.waitFor("\"balance\": 100")
        try t.send("End")
        try t.waitFor("\"balance\": 130")
        try t.send("Home")
        try t.waitFor("after @0 · v1 of 4")
        try t.send("m", "j", "j", "m")
        try t.waitFor("all records: A @0 → B @2")
        try t.waitFor("~ /balance: 100 → 130")
        try t.tmux(["resize-window", "-t", t.session, "-x", "72", "-y", "20"])
        try t.waitFor("a 72-column frame") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.first?.contains("hindsight") == true && lines.contains { $0.hasSuffix("┐") && $0.count <= 72 && $0.count >= 70 }
        }
        try t.send("q")
        try t.waitFor("EXITED rc=0")
    }

    @Test func ctrlCQuitsAndSigtermRestoresTheTerminal() throws {
        let t = try TmuxSession(command: command)
        try t.waitFor("11 events")
        try t.send("C-c")
        try t.waitFor("EXITED rc=0")

        let u = try TmuxSession(command: command)
        try u.waitFor("11 events")
        let pid = try #require(u.pid)
        kill(pid, SIGTERM)
        let screen = try u.waitFor("EXITED rc=143")
        #expect(!screen.contains("┌ events"), "the explorer's screen is still up after SIGTERM")
    }

    @Test func noColorAndAMonochromeTerminalStillWork() throws {
        let t = try TmuxSession(command: command, environment: ["NO_COLOR": "1", "TERM": "vt100"])
        try t.waitFor("11 events")
        try t.send("End")
        try t.waitFor("\"balance\": 130")
        try t.send("q")
        try t.waitFor("EXITED rc=0")
    }
}
