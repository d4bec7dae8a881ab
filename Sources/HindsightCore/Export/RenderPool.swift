import Foundation

/// Renders batches of rows on worker threads and hands them back in submission order.
///
/// The fold is sequential and so are the row digests and the writes, but making a row from a folded
/// record (redaction, the diff and its summary, the canonical bytes) is independent per row: the
/// exporting thread folds and writes while the workers render. At most `maxInFlight` batches are
/// submitted and not yet taken, so memory stays bounded.
final class RenderPool<Batch: Sendable, Output: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [(number: Int, batch: Batch)] = []
    private var pendingStart = 0
    private var done: [Int: Output] = [:]
    private var closed = false
    private let render: @Sendable (Batch) -> Output
    let maxInFlight: Int

    init(workers: Int, maxInFlight: Int, render: @escaping @Sendable (Batch) -> Output) {
        self.render = render
        self.maxInFlight = max(1, maxInFlight)
        for _ in 0..<max(1, workers) {
            let thread = Thread { [self] in self.work() }
            thread.name = "hindsight export render"
            thread.start()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while pendingStart == pending.count && !closed { condition.wait() }
            if closed {
                condition.unlock()
                return
            }
            let job = pending[pendingStart]
            pendingStart += 1
            if pendingStart > 64 {
                pending.removeFirst(pendingStart)
                pendingStart = 0
            }
            condition.unlock()
            let output = render(job.batch)
            condition.lock()
            done[job.number] = output
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Queues batch `number` for rendering.
    func submit(_ number: Int, _ batch: Batch) {
        condition.lock()
        pending.append((number, batch))
        condition.broadcast()
        condition.unlock()
    }

    /// The rendered batch `number` once it is ready (waiting for it when `wait` is set), else nil.
    func take(_ number: Int, wait: Bool) -> Output? {
        condition.lock()
        defer { condition.unlock() }
        while wait && done[number] == nil { condition.wait() }
        return done.removeValue(forKey: number)
    }

    /// Stops the workers (batches not yet rendered are dropped).
    func close() {
        condition.lock()
        closed = true
        pending.removeAll()
        pendingStart = 0
        condition.broadcast()
        condition.unlock()
    }
}
