#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Records' states as JSON text, folded with the default rule (an RFC 7396 merge of every event) on
/// text: one slot per key (``KeySlots``) and the states end to end in one buffer (a new state is
/// appended; the buffer is compacted when it is mostly dead), so a fold allocates nothing per event.
struct TextStates {
    private var keys = KeySlots()
    /// Where each slot's state is in `arena` (start -1: absent).
    private var starts: [Int] = []
    private var counts: [Int] = []
    private var arena: [UInt8] = []
    private var live = 0
    private var merger = RawMergePatch()
    private var scratch: [UInt8] = []

    init() {}

    var count: Int { keys.count }

    private mutating func slot(_ key: UnsafeRawBufferPointer) -> Int {
        let (s, new) = keys.slot(key, hash: HashIndex.hash(key))
        if new {
            starts.append(-1)
            counts.append(0)
        }
        return s
    }

    /// Sets a record's state (nil: absent).
    mutating func set(_ key: UnsafeRawBufferPointer, _ text: UnsafeRawBufferPointer?) {
        store(slot(key), text)
    }

    /// Sets a record's state (nil: absent) unless it has one already (reading stored blocks newest first).
    mutating func setIfAbsent(_ key: UnsafeRawBufferPointer, _ text: UnsafeRawBufferPointer?) {
        let (s, new) = keys.slot(key, hash: HashIndex.hash(key))
        guard new else { return }
        starts.append(-1)
        counts.append(0)
        store(s, text)
    }

    /// Merges an event's data into its record's state.
    mutating func merge(_ key: UnsafeRawBufferPointer, _ patch: UnsafeRawBufferPointer) {
        let s = slot(key)
        scratch.removeAll(keepingCapacity: true)
        let start = starts[s]
        if start >= 0 {
            let n = counts[s]
            arena.withUnsafeBytes { a in merger.merge(patch, into: UnsafeRawBufferPointer(rebasing: a[start..<(start + n)]), out: &scratch) }
        } else {
            merger.merge(patch, into: nil, out: &scratch)
        }
        let text = scratch
        text.withUnsafeBytes { store(s, $0) }
    }

    private mutating func store(_ s: Int, _ text: UnsafeRawBufferPointer?) {
        if starts[s] >= 0 { live -= counts[s] }
        guard let text else {
            starts[s] = -1
            counts[s] = 0
            return
        }
        starts[s] = arena.count
        counts[s] = text.count
        arena.append(contentsOf: text)
        live += text.count
        if arena.count > (16 << 20) && arena.count > 3 * live { compact() }
    }

    private mutating func compact() {
        var fresh: [UInt8] = []
        fresh.reserveCapacity(live * 2)
        arena.withUnsafeBytes { old in
            for s in 0..<starts.count where starts[s] >= 0 {
                let start = starts[s]
                starts[s] = fresh.count
                fresh.append(contentsOf: UnsafeRawBufferPointer(rebasing: old[start..<(start + counts[s])]))
            }
        }
        arena = fresh
    }

    /// The present records' states, sorted by key (by their UTF-8 bytes: the order of `String`'s `<`).
    func sorted() -> [(key: String, state: [UInt8])] {
        var order = (0..<keys.count).filter { starts[$0] >= 0 }
        order.sort { a, b in
            keys.withKey(a) { ka in
                keys.withKey(b) { kb in
                    let n = min(ka.count, kb.count)
                    if n > 0, let pa = ka.baseAddress, let pb = kb.baseAddress {
                        let c = memcmp(pa, pb, n)
                        if c != 0 { return c < 0 }
                    }
                    return ka.count < kb.count
                }
            }
        }
        var out: [(key: String, state: [UInt8])] = []
        out.reserveCapacity(order.count)
        arena.withUnsafeBytes { a in
            for s in order {
                let key = keys.withKey(s) { String(decoding: $0, as: UTF8.self) }
                out.append((key, [UInt8](UnsafeRawBufferPointer(rebasing: a[starts[s]..<(starts[s] + counts[s])]))))
            }
        }
        return out
    }
}
