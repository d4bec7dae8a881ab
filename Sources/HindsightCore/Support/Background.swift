import Dispatch

/// Work started on another thread and waited for later: `Background { … }` starts it, ``wait()``
/// gives its result. The work must not touch what the starting thread changes meanwhile; values
/// that are not `Sendable` are handed in as copies the work alone reads (the caller vouches for it).
final class Background<Result>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result?

    init(_ work: @escaping () -> Result) {
        nonisolated(unsafe) let work = work
        DispatchQueue.global().async {
            self.result = work()
            self.done.signal()
        }
    }

    /// Waits for the work and gives its result (call once).
    func wait() -> Result {
        done.wait()
        guard let result else { preconditionFailure("Background.wait: no result after the signal") }
        return result
    }
}
