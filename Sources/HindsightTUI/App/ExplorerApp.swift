import Foundation
import HindsightCore

/// The explorer's loop: draw, wait for input, update, run effects; until quit.
public final class ExplorerApp {
    public var state: ExplorerState
    public let data: ExplorerData
    /// Called on every tick (e.g. to show a background import's progress); may change the state.
    public var onTick: ((inout ExplorerState, ExplorerData) -> Void)?

    public init(data: ExplorerData, size: Size) {
        self.data = data
        self.state = ExplorerState(size: size)
    }

    /// Checks the hash chain on open when the log is small enough to do it at once.
    public func checkChainOnOpen(limit: Int64 = 200_000) {
        switch data.log.tail {
        case .torn(_, _, let bytes): state.chainStatus = "torn tail of \(bytes) B ignored"
        case .damaged(_, let offset, _): state.chainStatus = "chain ✗ damaged at offset \(offset)"
        case .clean:
            if data.count <= limit, let report = try? Verifier.verify(directory: data.log.directory) {
                state.chainStatus = Explorer.chainStatus(report)
            } else {
                state.chainStatus = "chain unverified (V)"
            }
        }
    }

    /// Checks the hash chain on a background thread (opening never scans the log); the status line
    /// says "verifying…" until the result arrives.
    public func checkChainInBackground() {
        switch data.log.tail {
        case .torn, .damaged:
            checkChainOnOpen()
            return
        case .clean:
            break
        }
        let check = ChainCheck()
        let directory = data.log.directory
        state.chainStatus = "chain: verifying…"
        let thread = Thread {
            let status: String
            if let report = try? Verifier.verify(directory: directory) {
                status = Explorer.chainStatus(report)
            } else {
                status = "chain unverified (V)"
            }
            check.finish(status)
        }
        thread.start()
        chainCheck = check
    }

    private var chainCheck: ChainCheck?

    /// Runs until the user quits. `tick` is how often the loop wakes without input (following, imports).
    public func run(on terminal: some Terminal, tick: Duration = .milliseconds(250)) throws {
        state.size = terminal.size
        Explorer.clampSelection(&state, data)
        while !state.quit {
            try terminal.draw(ExplorerView.render(state, data))
            if let check = chainCheck, let status = check.result {
                state.chainStatus = status
                chainCheck = nil
                continue
            }
            let needsTicks = state.following || state.importStatus != nil || onTick != nil || chainCheck != nil
            guard let event = try terminal.nextEvent(timeout: needsTicks ? tick : nil) else {
                if !needsTicks { return }  // a scripted terminal ran out of input
                onTick?(&state, data)
                _ = Explorer.update(&state, .tick, data)
                continue
            }
            for effect in Explorer.update(&state, event, data) {
                perform(effect)
            }
        }
    }

    func perform(_ effect: ExplorerEffect) {
        switch effect {
        case .export(let path):
            do {
                state.message = StatusMessage(text: try ExplorerApp.export(to: path, state, data), kind: .success)
            } catch let e as HindsightError {
                state.message = StatusMessage(text: "export failed: \(e.description)", kind: .error)
            } catch {
                state.message = StatusMessage(text: "export failed: \(error)", kind: .error)
            }
        }
    }

    /// Exports the audit log of the current view (its key or type filter, and the range between the
    /// marks when both are set) to `path`; the format follows the extension (.csv, .md, else JSON Lines).
    public static func export(to path: String, _ s: ExplorerState, _ data: ExplorerData) throws -> String {
        var filter = ExportFilter()
        switch s.rows.kind {
        case .all: break
        case .key(let k), .versions(let k): filter.key = k
        case .type(let t): filter.type = t
        }
        if let a = s.markA, let b = s.markB {
            filter.from = .offset(min(a, b))
            filter.to = .offset(max(a, b))
        }
        let lower = path.lowercased()
        let format: ExportFormat = lower.hasSuffix(".csv") ? .csv : (lower.hasSuffix(".md") || lower.hasSuffix(".markdown") ? .markdown : .jsonl)
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let summary = try AuditExporter.export(log: data.log, rules: data.rules, filter: filter, format: format,
                                               options: ExportOptions(sourceName: data.name), to: absolute)
        var text = "exported \(summary.rows) row\(summary.rows == 1 ? "" : "s") (\(format.rawValue)) to \(summary.path ?? absolute)"
        if let manifest = summary.manifestPath { text += ", manifest \(manifest)" }
        return text
    }
}

/// The result of a background chain check, handed to the app loop.
final class ChainCheck: @unchecked Sendable {
    private let lock = NSLock()
    private var status: String?

    func finish(_ s: String) { lock.withLock { status = s } }
    var result: String? { lock.withLock { status } }
}
