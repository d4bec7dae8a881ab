import Foundation
import HindsightCore

/// A JSONL import into the cache on a background thread, browsable batch by batch.
public final class BackgroundImport: @unchecked Sendable {
    public let pending: PendingImport
    private let lock = NSLock()
    private let firstBatch = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var progress: ImportProgress?
    private var events = 0
    private var finished = false
    private var failure: Error?
    private var cancelled = false
    private var applied = false
    /// Whether the finished import was moved into the cache (else its staging directory is removed).
    private var moved = false
    private let started = Date()

    let batchSize: Int

    public init(_ pending: PendingImport, batchSize: Int = 50_000) {
        self.pending = pending
        self.batchSize = batchSize
    }

    /// Starts the import and waits for its first batch, passing progress to `waiting` meanwhile.
    public func start(waiting: (ImportProgress) -> Void) throws {
        let thread = Thread { [self] in
            do {
                let result = try pending.run(batchSize: batchSize, progress: { p in self.update(p) }) { r in
                    self.lock.withLock { self.events = r.events }
                    self.firstBatch.signal()
                    return !self.lock.withLock { self.cancelled }
                }
                lock.withLock {
                    events = result.events
                    finished = true
                }
            } catch {
                lock.withLock {
                    failure = error
                    finished = true
                }
            }
            firstBatch.signal()
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        while firstBatch.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if let p = lock.withLock({ progress }) { waiting(p) }
        }
        let failed = lock.withLock { failure }
        if let failed, lock.withLock({ events }) == 0 { throw failed }
    }

    private func update(_ p: ImportProgress) {
        lock.withLock { progress = p }
    }

    /// On each explorer tick: show progress, let the list grow, and move the log into the cache when done.
    public func tick(_ state: inout ExplorerState, _ data: ExplorerData) {
        let (p, isFinished, error) = lock.withLock { (progress, finished, failure) }
        if (try? data.refresh()) == true { Explorer.logDidGrow(&state, data) }
        if !isFinished {
            if let p {
                let elapsed = max(0.001, Date().timeIntervalSince(started))
                let fraction = p.bytesTotal > 0 ? Double(p.bytesDone) / Double(p.bytesTotal) : 0
                let mbps = Double(p.bytesDone) / 1_048_576 / elapsed
                let eta = fraction > 0.01 ? elapsed * (1 - fraction) / fraction : 0
                state.importStatus = "importing \(Int(fraction * 100))%: \(p.events) events, \(String(format: "%.1f", mbps)) MB/s, ETA \(Int(eta / 60)):\(String(format: "%02d", Int(eta) % 60))"
            } else {
                state.importStatus = "importing…"
            }
            return
        }
        guard !applied else { return }
        applied = true
        state.importStatus = nil
        if let error {
            let text = (error as? HindsightError)?.description ?? "\(error)"
            state.message = StatusMessage(text: "import stopped: \(text); showing the events before it", kind: .error)
            return
        }
        do {
            data.replaceLog(try pending.finish())
            moved = true
            Explorer.logDidGrow(&state, data)
            state.message = StatusMessage(text: "imported \(data.count) events into the cache; the next open is instant", kind: .success)
            state.chainStatus = ""
        } catch {
            state.message = StatusMessage(text: "\(error)", kind: .error)
        }
    }

    /// Stops an unfinished import (the explorer quit) and removes its staging directory.
    public func cancelAndWait() {
        let isFinished = lock.withLock {
            cancelled = true
            return finished
        }
        if !isFinished { done.wait() }
        if !moved { pending.discard() }
    }
}
