/// Records' states as JSON text, one per slot, end to end in one buffer: setting a slot appends its
/// new text, and the buffer is compacted when it is mostly dead, so folding an event allocates
/// nothing. Used by the checkpoint builder (while importing) and by ``TextStates`` (reading).
struct TextArena {
    private var bytes: [UInt8] = []
    /// Where each slot's text starts in `bytes` (-1: absent) and how long it is.
    private var starts: [Int] = []
    private var counts: [Int] = []
    /// Bytes of `bytes` that belong to a present slot.
    private var live = 0
    private var merger = RawMergePatch()
    private var scratch: [UInt8] = []
    /// The buffer compaction copies into, kept between compactions (with the old texts' capacity) so
    /// that compacting and growing again touch no fresh pages.
    private var spare: [UInt8] = []

    init() {}

    /// Adds an absent slot (slots are numbered from 0 in the order they are added).
    mutating func addSlot() {
        starts.append(-1)
        counts.append(0)
    }

    /// Makes room for `n` slots.
    mutating func reserveSlots(_ n: Int) {
        starts.reserveCapacity(n)
        counts.reserveCapacity(n)
    }

    func isPresent(_ s: Int) -> Bool { starts[s] >= 0 }

    /// The length of a slot's text (0 when absent).
    func byteCount(_ s: Int) -> Int { starts[s] >= 0 ? counts[s] : 0 }

    /// A slot's text (valid inside `body`; nil: absent).
    @inline(__always)
    func withText<R>(_ s: Int, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        let start = starts[s]
        guard start >= 0 else { return try body(nil) }
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<(start + counts[s])])) }
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
        guard start >= 0 else { return }
        bytes.prefetch(start)
        if counts[s] > 64 { bytes.prefetch(start + 64) }
    }

    /// Sets a slot's text (nil: absent).
    mutating func set(_ s: Int, _ text: UnsafeRawBufferPointer?) {
        if starts[s] >= 0 { live -= counts[s] }
        guard let text else {
            starts[s] = -1
            counts[s] = 0
            return
        }
        starts[s] = bytes.count
        counts[s] = text.count
        bytes.append(contentsOf: text)
        live += text.count
        if bytes.count > (16 << 20) && bytes.count > 3 * live { compact() }
    }

    /// Merges a JSON Merge Patch (RFC 7396, as text) into a slot's text.
    @inline(__always)
    mutating func merge(_ s: Int, _ patch: UnsafeRawBufferPointer) {
        scratch.removeAll(keepingCapacity: true)
        let start = starts[s]
        if start >= 0 {
            let count = counts[s]
            bytes.withUnsafeBytes { b in merger.merge(patch, into: UnsafeRawBufferPointer(rebasing: b[start..<(start + count)]), out: &scratch) }
        } else {
            merger.merge(patch, into: nil, out: &scratch)
        }
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
        let start = starts[s]
        let result: R
        if start >= 0 {
            let count = counts[s]
            result = try bytes.withUnsafeBytes { b in
                let old = UnsafeRawBufferPointer(rebasing: b[start..<(start + count)])
                merger.merge(patch, into: old, out: &scratch)
                return try scratch.withUnsafeBytes { try body(old, $0) }
            }
        } else {
            merger.merge(patch, into: nil, out: &scratch)
            result = try scratch.withUnsafeBytes { try body(nil, $0) }
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

    /// Copies the present slots' texts into the spare buffer, which becomes the buffer.
    private mutating func compact() {
        var fresh = spare
        spare = []
        fresh.removeAll(keepingCapacity: true)
        fresh.reserveCapacity(max(live * 2, bytes.capacity))
        bytes.withUnsafeBytes { old in
            for s in 0..<starts.count where starts[s] >= 0 {
                let start = starts[s]
                starts[s] = fresh.count
                fresh.append(contentsOf: UnsafeRawBufferPointer(rebasing: old[start..<(start + counts[s])]))
            }
        }
        spare = bytes
        bytes = fresh
    }
}
