#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Records' states as JSON text, folded with the default rule (an RFC 7396 merge of every event) on
/// text: one slot per key (``KeySlots``) and the states in a ``TextArena``, so a fold allocates
/// nothing per event.
struct TextStates {
    private var keys = KeySlots()
    private var texts = TextArena()

    init() {}

    var count: Int { keys.count }

    private mutating func slot(_ key: UnsafeRawBufferPointer) -> Int {
        let (s, new) = keys.slot(key, hash: HashIndex.hash(key))
        if new { texts.addSlot() }
        return s
    }

    /// Sets a record's state (nil: absent).
    mutating func set(_ key: UnsafeRawBufferPointer, _ text: UnsafeRawBufferPointer?) {
        texts.set(slot(key), text)
    }

    /// Sets a record's state (nil: absent) unless it has one already (reading stored blocks newest first).
    mutating func setIfAbsent(_ key: UnsafeRawBufferPointer, _ text: UnsafeRawBufferPointer?) {
        let (s, new) = keys.slot(key, hash: HashIndex.hash(key))
        guard new else { return }
        texts.addSlot()
        texts.set(s, text)
    }

    /// Merges an event's data into its record's state.
    mutating func merge(_ key: UnsafeRawBufferPointer, _ patch: UnsafeRawBufferPointer) {
        texts.merge(slot(key), patch)
    }

    /// The present records' states, sorted by key (by their UTF-8 bytes: the order of `String`'s `<`).
    func sorted() -> [(key: String, state: [UInt8])] {
        var order = (0..<keys.count).filter { texts.isPresent($0) }
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
        for s in order {
            let key = keys.withKey(s) { String(decoding: $0, as: UTF8.self) }
            out.append((key, texts.withText(s) { [UInt8]($0 ?? UnsafeRawBufferPointer(start: nil, count: 0)) }))
        }
        return out
    }
}
