/// A ``Terminal`` for tests: scripted input, and the frames drawn kept in memory.
///
/// Enqueue events (keys, text, resizes, an interruption), drive the app loop, then inspect
/// ``lastBuffer``. ``nextEvent(timeout:)`` never blocks: it returns the next scripted event, or
/// nil (as if the timeout passed) once the script is empty, unless ``throwsWhenExhausted`` is set.
public final class InMemoryTerminal: Terminal {
    /// The current size; change it with ``resize(to:enqueueEvent:)``.
    public private(set) var size: Size
    public private(set) var isStarted = false
    /// The most recent buffer passed to ``draw(_:)``.
    public private(set) var lastBuffer: Buffer?
    /// How many times ``draw(_:)`` was called.
    public private(set) var drawCount = 0
    /// How many times ``start()`` and ``stop()`` (while started) were called.
    public private(set) var startCount = 0
    public private(set) var stopCount = 0
    /// When set, ``nextEvent(timeout:)`` with a nil timeout throws ``TerminalError/Code/scriptExhausted``
    /// instead of returning nil once the script is empty, so a loop that only ends on a key cannot spin forever.
    public var throwsWhenExhausted: Bool
    /// An error ``start()`` throws (to test start failures), or nil.
    public var startError: TerminalError?

    private enum Scripted {
        case event(InputEvent)
        case interrupt(Int32)
    }

    private var script: [Scripted] = []
    private var scriptIndex = 0

    /// A terminal of `size` with an empty script.
    public init(size: Size, throwsWhenExhausted: Bool = false) {
        self.size = size
        self.throwsWhenExhausted = throwsWhenExhausted
    }

    /// A terminal of `width` × `height`.
    public convenience init(width: Int, height: Int) {
        self.init(size: Size(width: width, height: height))
    }

    public func start() throws {
        if let startError { throw startError }
        isStarted = true
        startCount += 1
    }

    public func stop() {
        guard isStarted else { return }
        isStarted = false
        stopCount += 1
    }

    public func draw(_ buffer: Buffer) throws {
        guard isStarted else { throw TerminalError(.notStarted, "draw called on a terminal that is not started") }
        lastBuffer = buffer
        drawCount += 1
    }

    public func nextEvent(timeout: Duration?) throws -> InputEvent? {
        guard scriptIndex < script.count else {
            if timeout == nil && throwsWhenExhausted {
                throw TerminalError(.scriptExhausted, "the scripted input ran out")
            }
            return nil
        }
        let next = script[scriptIndex]
        scriptIndex += 1
        switch next {
        case .event(let event):
            if case .resize(let newSize) = event { size = newSize }
            return event
        case .interrupt(let signal):
            throw TerminalInterrupted(signal: signal)
        }
    }

    // MARK: - Scripting

    /// The number of scripted events not read yet.
    public var pendingEventCount: Int { script.count - scriptIndex }

    /// Appends events to the script.
    public func enqueue(_ events: InputEvent...) {
        enqueue(events)
    }

    /// Appends events to the script.
    public func enqueue(_ events: [InputEvent]) {
        script.append(contentsOf: events.map(Scripted.event))
    }

    /// Appends key presses to the script.
    public func enqueue(keys: Key...) {
        enqueue(keys.map(InputEvent.key))
    }

    /// Appends one `.char` key press per character of `text` (a newline becomes ``Key/enter``).
    public func type(_ text: String) {
        enqueue(text.map { $0 == "\n" ? InputEvent.key(.enter) : InputEvent.key(.char($0)) })
    }

    /// Appends an interruption: the `nextEvent` call that reaches it throws ``TerminalInterrupted``.
    public func enqueueInterrupt(signal: Int32 = 2) {
        script.append(.interrupt(signal))
    }

    /// Resizes the terminal, and by default appends the `.resize` event a real terminal would deliver.
    ///
    /// With `enqueueEvent`, the size changes when the event is read, as on a real terminal.
    public func resize(to newSize: Size, enqueueEvent: Bool = true) {
        if enqueueEvent {
            enqueue(.resize(newSize))
        } else {
            size = newSize
        }
    }

    /// The text of the last frame, one string per row, trailing spaces kept (empty before the first draw).
    public var screenLines: [String] { lastBuffer?.plainLines() ?? [] }
}
