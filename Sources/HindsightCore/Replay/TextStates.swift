#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Records' states as JSON text, folded with the default rule (an RFC 7396 merge of every event) on
/// text: one slot per key (``KeySlots``) and the states in a ``TextArena``, so a fold allocates
/// nothing per event.
///
/// A state read from a stored checkpoint is *borrowed*: the slot points at its bytes in the mapped
/// checkpoint file (which must outlive this value) and the text is copied into the arena only when an
/// event merges into it. Reading 100k states at a checkpoint copies none of them.
struct TextStates {
    private var keys = KeySlots()
    private var texts = TextArena()
    /// Per slot: the borrowed text (nil: the slot's state is the arena's, present or absent).
    private var borrowed: [UnsafeRawPointer?] = []
    private var borrowedCounts: [Int] = []

    init() {}

    var count: Int { keys.count }

    private mutating func slot(_ key: UnsafeRawBufferPointer) -> Int {
        let (s, new) = keys.slot(key, hash: HashIndex.hash(key))
        if new { addSlot() }
        return s
    }

    private mutating func addSlot() {
        texts.addSlot()
        borrowed.append(nil)
        borrowedCounts.append(0)
    }

    /// Sets a record's state (nil: absent) unless it has one already (reading stored blocks newest
    /// first). The text is borrowed, not copied: it must stay mapped while this value is used.
    mutating func borrowIfAbsent(_ key: UnsafeRawBufferPointer, _ text: UnsafeRawBufferPointer?) {
        let (s, new) = keys.slot(key, hash: HashIndex.hash(key))
        guard new else { return }
        addSlot()
        if let text, let base = text.baseAddress, text.count > 0 {
            borrowed[s] = base
            borrowedCounts[s] = text.count
        } else {
            texts.set(s, text)
        }
    }

    /// Makes room for `n` records.
    mutating func reserve(_ n: Int) {
        keys.reserve(n, keyBytes: n * 16)
        texts.reserveSlots(n)
        borrowed.reserveCapacity(n)
        borrowedCounts.reserveCapacity(n)
    }

    /// Merges an event's data into its record's state (a borrowed state is merged into a copy).
    mutating func merge(_ key: UnsafeRawBufferPointer, _ patch: UnsafeRawBufferPointer) {
        let s = slot(key)
        if let base = borrowed[s] {
            borrowed[s] = nil
            texts.merge(s, patch, onto: UnsafeRawBufferPointer(start: base, count: borrowedCounts[s]))
        } else {
            texts.merge(s, patch)
        }
    }

    /// A slot's text (nil: absent), valid inside `body`.
    @inline(__always)
    private func withText<R>(_ s: Int, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        if let base = borrowed[s] { return try body(UnsafeRawBufferPointer(start: base, count: borrowedCounts[s])) }
        return try texts.withText(s, body)
    }

    /// A key's place in the sort: its first 16 bytes as two big-endian numbers (zero-padded), so most
    /// comparisons are of two integers; ties (keys longer than 16 bytes, or keys that differ only in
    /// their length) compare the whole keys.
    struct SortKey {
        var high: UInt64
        var low: UInt64
        var slot: Int
    }

    /// Up to 8 bytes of `p` from `start` as a big-endian number, zero-padded on the right.
    @inline(__always)
    private static func prefix(_ p: UnsafeRawBufferPointer, from start: Int) -> UInt64 {
        var v: UInt64 = 0
        let n = min(8, max(0, p.count - start))
        for i in 0..<8 { v = (v << 8) | UInt64(i < n ? p[start + i] : 0) }
        return v
    }

    /// Whether slot `a`'s key sorts before slot `b`'s (by their UTF-8 bytes: the order of `String`'s `<`).
    @inline(__always)
    private func precedes(_ a: SortKey, _ b: SortKey) -> Bool {
        if a.high != b.high { return a.high < b.high }
        if a.low != b.low { return a.low < b.low }
        return keys.withKey(a.slot) { ka in
            keys.withKey(b.slot) { kb in
                let n = min(ka.count, kb.count)
                if n > 0, let pa = ka.baseAddress, let pb = kb.baseAddress {
                    let c = memcmp(pa, pb, n)
                    if c != 0 { return c < 0 }
                }
                return ka.count < kb.count
            }
        }
    }

    /// The slots in `range`, sorted by key (absent ones included: ``forEach(in:_:)`` skips them).
    func sortedSlots(_ range: Range<Int>) -> [SortKey] {
        var order: [SortKey] = []
        order.reserveCapacity(range.count)
        for s in range {
            keys.withKey(s) { k in order.append(SortKey(high: TextStates.prefix(k, from: 0), low: TextStates.prefix(k, from: 8), slot: s)) }
        }
        order.sort { precedes($0, $1) }
        return order
    }

    /// Every slot sorted by key: `first`, the sorted slots `0 ..< first.count` (sorted earlier, while
    /// later slots were added), merged with the slots added since.
    func sortedSlots(extending first: [SortKey]) -> [SortKey] {
        let rest = sortedSlots(first.count..<keys.count)
        guard !rest.isEmpty else { return first }
        var out: [SortKey] = []
        out.reserveCapacity(first.count + rest.count)
        var i = 0, j = 0
        while i < first.count && j < rest.count {
            if precedes(rest[j], first[i]) {
                out.append(rest[j])
                j += 1
            } else {
                out.append(first[i])
                i += 1
            }
        }
        out.append(contentsOf: first[i...])
        out.append(contentsOf: rest[j...])
        return out
    }

    /// Calls `body` with the key and state text of each present slot of `order`, in that order.
    func forEach(in order: ArraySlice<SortKey>, _ body: (_ key: UnsafeRawBufferPointer, _ state: UnsafeRawBufferPointer) throws -> Void) rethrows {
        for entry in order {
            try keys.withKey(entry.slot) { key in
                try withText(entry.slot) { text in
                    if let text { try body(key, text) }
                }
            }
        }
    }

    /// Appends the present slots of `order` as members of a JSON object (`"key":state`, comma-separated;
    /// a leading comma unless `first`), calling `flush` whenever `out` holds `chunk` bytes or more.
    /// Returns whether nothing was appended (so the next member is still the first).
    func appendMembers(_ order: ArraySlice<SortKey>, first: Bool, into out: inout [UInt8], chunk: Int,
                       flush: (inout [UInt8]) throws -> Void) rethrows -> Bool {
        var first = first
        try forEach(in: order) { key, state in
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONStringWriter.write(bytes: key, into: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: state)
            if out.count >= chunk { try flush(&out) }
        }
        return first
    }
}
