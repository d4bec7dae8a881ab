import HindsightTUI
import Testing

@Suite("InMemoryTerminal and TerminalSession")
struct TerminalTests {
    struct Boom: Error {}

    @Test func scriptedEventsComeBackInOrder() throws {
        let terminal = InMemoryTerminal(width: 10, height: 4)
        terminal.enqueue(keys: .char("j"), .down)
        terminal.type("a\n")
        terminal.enqueue(.mouse(MouseEvent(x: 1, y: 2, kind: .press)), .tick)
        #expect(terminal.pendingEventCount == 6)
        var events: [InputEvent] = []
        while let event = try terminal.nextEvent(timeout: .milliseconds(10)) { events.append(event) }
        #expect(events == [
            .key(.char("j")), .key(.down), .key(.char("a")), .key(.enter),
            .mouse(MouseEvent(x: 1, y: 2, kind: .press)), .tick,
        ])
        #expect(terminal.pendingEventCount == 0)
    }

    @Test func resizeChangesTheSizeWhenTheEventIsRead() throws {
        let terminal = InMemoryTerminal(width: 10, height: 4)
        terminal.resize(to: Size(width: 30, height: 8))
        #expect(terminal.size == Size(width: 10, height: 4))
        #expect(try terminal.nextEvent(timeout: nil) == .resize(Size(width: 30, height: 8)))
        #expect(terminal.size == Size(width: 30, height: 8))
        terminal.resize(to: Size(width: 5, height: 5), enqueueEvent: false)
        #expect(terminal.size == Size(width: 5, height: 5))
        #expect(terminal.pendingEventCount == 0)
    }

    @Test func drawKeepsTheLastFrame() throws {
        let terminal = InMemoryTerminal(width: 4, height: 1)
        var buffer = Buffer(size: terminal.size)
        #expect(throws: TerminalError.self) { try terminal.draw(buffer) }
        try terminal.start()
        buffer.put("hi", x: 0, y: 0)
        try terminal.draw(buffer)
        #expect(terminal.lastBuffer == buffer)
        #expect(terminal.screenLines == ["hi  "])
        #expect(terminal.drawCount == 1)
    }

    @Test func exhaustedScriptCanThrow() throws {
        let terminal = InMemoryTerminal(size: Size(width: 1, height: 1), throwsWhenExhausted: true)
        #expect(try terminal.nextEvent(timeout: .zero) == nil)
        #expect(throws: TerminalError.self) { try terminal.nextEvent(timeout: nil) }
    }

    @Test func sessionStopsWhenTheBodyReturns() throws {
        let terminal = InMemoryTerminal(width: 2, height: 2)
        let value = try TerminalSession.run(terminal) { terminal in
            #expect(terminal.isStarted)
            return 42
        }
        #expect(value == 42)
        #expect(!terminal.isStarted)
        #expect(terminal.startCount == 1 && terminal.stopCount == 1)
    }

    @Test func sessionStopsWhenTheBodyThrows() {
        let terminal = InMemoryTerminal(width: 2, height: 2)
        #expect(throws: Boom.self) {
            try TerminalSession.run(terminal) { _ in throw Boom() }
        }
        #expect(!terminal.isStarted)
        #expect(terminal.stopCount == 1)
    }

    @Test func interruptionUnwindsAndStops() {
        let terminal = InMemoryTerminal(width: 2, height: 2)
        terminal.enqueue(keys: .char("j"))
        terminal.enqueueInterrupt(signal: 15)
        var seen: [InputEvent] = []
        #expect(throws: TerminalInterrupted(signal: 15)) {
            try TerminalSession.run(terminal) { terminal in
                while true {
                    if let event = try terminal.nextEvent(timeout: nil) { seen.append(event) }
                }
            }
        }
        #expect(seen == [.key(.char("j"))])
        #expect(!terminal.isStarted)
        #expect(TerminalInterrupted(signal: 15).exitStatus == 143)
        #expect(TerminalInterrupted(signal: 2).description == "hindsight: interrupted by SIGINT")
    }

    @Test func failedStartDoesNotRunTheBody() {
        let terminal = InMemoryTerminal(width: 2, height: 2)
        terminal.startError = .notATerminal
        var ran = false
        #expect(throws: TerminalError.notATerminal) {
            try TerminalSession.run(terminal) { _ in ran = true }
        }
        #expect(!ran)
        #expect(!terminal.isStarted)
        #expect(TerminalError.notATerminal.message.hasPrefix("hindsight: the explorer needs a terminal; use the scripted commands"))
    }

    @Test func stopIsIdempotent() throws {
        let terminal = InMemoryTerminal(width: 2, height: 2)
        terminal.stop()
        try terminal.start()
        terminal.stop()
        terminal.stop()
        #expect(terminal.stopCount == 1)
    }
}
