import CMemoryHints
#if canImport(Glibc)
import Glibc
#endif

/// Records' states as JSON text, one per slot, in one buffer. Each text has a little room to spare,
/// and a new text that fits its slot's room is written over the old one: most events change a state
/// by a few bytes, so a fold mostly rewrites texts in place. A text that outgrows its room moves to
/// the end, and the buffer is compacted (in place) when its dead room is more than its live room.
/// Folding an event allocates nothing; the buffer grows with `realloc` (which moves no pages for a
/// large buffer) and never needs a second one. Used by the checkpoint builder (while importing), by
/// ``TextStates`` (reading), the audit export and `find`.
///
/// A copy shares the buffer until one of the two changes a text.
struct TextArena {
    /// The bytes, allocated with `malloc` and grown with `realloc`.
    private final class Storage: @unchecked Sendable {
        var base: UnsafeMutableRawPointer?
        var capacity = 0
        /// Bytes in use at the start of the buffer (texts and the room between them).
        var end = 0

        init() {}

        deinit { free(base) }

        /// Makes room for `extra` more bytes at the end.
        @inline(__always)
        func reserve(_ extra: Int) {
            guard end + extra > capacity else { return }
            grow(to: end + extra)
        }

        private func grow(to needed: Int) {
            var size = max(capacity * 2, 1 << 16)
            while size < needed { size *= 2 }
            guard let p = realloc(base, size) else { fatalError("out of memory for \(size) bytes of states") }
            base = p
            capacity = size
        }

        func copy() -> Storage {
            let c = Storage()
            c.reserve(end)
            if end > 0, let to = c.base, let from = base { to.copyMemory(from: from, byteCount: end) }
            c.end = end
            return c
        }
    }

    private var storage = Storage()
    /// Where each slot's text starts in the buffer (-1: absent), how long it is, and how much room it has.
    private var starts: [Int] = []
    private var counts: [Int] = []
    private var rooms: [Int] = []
    /// Room held by present slots (the rest of `storage.end` is dead).
    private var live = 0
    private var merger = RawMergePatch()
    private var scratch: [UInt8] = []
    /// The buffer is compacted only when it holds more than this many bytes (tests use small sizes).
    private let compactAbove: Int

    init(compactAbove: Int = 16 << 20) {
        self.compactAbove = compactAbove
    }

    /// Adds an absent slot (slots are numbered from 0 in the order they are added).
    mutating func addSlot() {
        starts.append(-1)
        counts.append(0)
        rooms.append(0)
    }

    /// Makes room for `n` slots.
    mutating func reserveSlots(_ n: Int) {
        starts.reserveCapacity(n)
        counts.reserveCapacity(n)
        rooms.reserveCapacity(n)
    }

    func isPresent(_ s: Int) -> Bool { starts[s] >= 0 }

    /// The length of a slot's text (0 when absent).
    func byteCount(_ s: Int) -> Int { starts[s] >= 0 ? counts[s] : 0 }

    /// A slot's text (valid inside `body`; nil: absent).
    @inline(__always)
    func withText<R>(_ s: Int, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        let start = starts[s]
        guard start >= 0, let base = storage.base else { return try body(nil) }
        return try body(UnsafeRawBufferPointer(start: base + start, count: counts[s]))
    }

    /// Starts loading where a slot's text is.
    @inline(__always)
    func prefetchSlot(_ s: Int) {
        starts.prefetch(s)
        counts.prefetch(s)
    }

    /// Starts loading a slot's text into the cache (its first two lines: the rest streams in).
    @inline(__always)
    func prefetch(_ s: Int) {
        let start = starts[s]
        guard start >= 0, let base = storage.base else { return }
        hindsight_prefetch(base + start)
        if counts[s] > 64 { hindsight_prefetch(base + start + 64) }
    }

    /// The room a new text of `count` bytes gets: an eighth more, so that it can grow a little in place.
    @inline(__always)
    private static func room(for count: Int) -> Int { count + count >> 3 + 8 }

    /// Sets a slot's text (nil: absent); `text` is held elsewhere (not in this arena).
    mutating func set(_ s: Int, _ text: UnsafeRawBufferPointer?) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        guard let text else {
            if starts[s] >= 0 { live -= rooms[s] }
            starts[s] = -1
            counts[s] = 0
            rooms[s] = 0
            return
        }
        let n = text.count
        if starts[s] >= 0 && n <= rooms[s] {
            if n > 0, let base = storage.base, let from = text.baseAddress { (base + starts[s]).copyMemory(from: from, byteCount: n) }
            counts[s] = n
            return
        }
        if starts[s] >= 0 {
            live -= rooms[s]
            starts[s] = -1
        }
        let room = TextArena.room(for: n)
        if storage.end > compactAbove && storage.end - live > live { compact() }
        storage.reserve(room)
        let start = storage.end
        if n > 0, let base = storage.base, let from = text.baseAddress { (base + start).copyMemory(from: from, byteCount: n) }
        storage.end += room
        starts[s] = start
        counts[s] = n
        rooms[s] = room
        live += room
    }

    /// Merges a JSON Merge Patch (RFC 7396, as text) into a slot's text.
    @inline(__always)
    mutating func merge(_ s: Int, _ patch: UnsafeRawBufferPointer) {
        scratch.removeAll(keepingCapacity: true)
        withText(s) { old in merger.merge(patch, into: old, out: &scratch) }
        setFromScratch(s)
    }

    /// Sets a slot's text to `base` (JSON text held elsewhere; nil: absent) with a JSON Merge Patch
    /// merged into it: ``set(_:_:)`` then ``merge(_:_:)`` without copying `base` first.
    mutating func merge(_ s: Int, _ patch: UnsafeRawBufferPointer, onto base: UnsafeRawBufferPointer?) {
        scratch.removeAll(keepingCapacity: true)
        merger.merge(patch, into: base, out: &scratch)
        setFromScratch(s)
    }

    /// Merges a JSON Merge Patch (RFC 7396, as text) into a slot's text, and calls `body` with the text
    /// before (nil: absent) and after while both are in place, before the slot takes the new text: no
    /// copy of the old text is needed to compare the two.
    @inline(__always)
    mutating func merge<R>(_ s: Int, _ patch: UnsafeRawBufferPointer,
                           _ body: (_ before: UnsafeRawBufferPointer?, _ after: UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        scratch.removeAll(keepingCapacity: true)
        let result: R = try withText(s) { old in
            merger.merge(patch, into: old, out: &scratch)
            return try scratch.withUnsafeBytes { try body(old, $0) }
        }
        setFromScratch(s)
        return result
    }

    /// Sets a slot's text to the merge result in `scratch`.
    @inline(__always)
    private mutating func setFromScratch(_ s: Int) {
        let text = scratch
        text.withUnsafeBytes { set(s, $0) }
    }

    /// Moves the present slots' texts down over the dead room, in the order they lie in the buffer.
    private mutating func compact() {
        guard let base = storage.base else { return }
        let order = (0..<starts.count).filter { starts[$0] >= 0 }.sorted { starts[$0] < starts[$1] }
        var to = 0
        for s in order {
            let room = rooms[s]
            if starts[s] != to { memmove(base + to, base + starts[s], counts[s]) }
            starts[s] = to
            to += room
        }
        storage.end = to
    }
}
