import CMemoryHints
#if canImport(Glibc)
import Glibc
#endif

/// The fields of one event to append, as bytes lent for the duration of a call.
struct EventFields {
    var id: UnsafeRawBufferPointer
    var key: UnsafeRawBufferPointer
    var type: UnsafeRawBufferPointer
    var meta: UnsafeRawBufferPointer
    var payload: UnsafeRawBufferPointer
    /// When the event happened, in µs; nil means "when it is appended".
    var eventTime: Int64?
    /// `HashIndex.hash` of the id and of the key.
    var idHash: UInt64
    var keyHash: UInt64
}

/// Events a writer appends, read one at a time without copying them into `EventDraft`s.
protocol AppendBatch {
    var count: Int { get }
    /// Calls `body` with event `i`'s fields (valid only inside `body`).
    func withEvent<R>(_ i: Int, _ body: (EventFields) throws -> R) rethrows -> R
    /// `HashIndex.hash` of event `i`'s id (the writer looks it up a few events ahead).
    func idHash(_ i: Int) -> UInt64
}

extension Array: AppendBatch where Element == EventDraft {
    func withEvent<R>(_ i: Int, _ body: (EventFields) throws -> R) rethrows -> R {
        let d = self[i]
        var id = d.id, key = d.key, type = d.type
        return try id.withUTF8 { idBytes in
            try key.withUTF8 { keyBytes in
                try type.withUTF8 { typeBytes in
                    try d.meta.withUnsafeBytes { meta in
                        try d.payload.withUnsafeBytes { payload in
                            try body(EventFields(id: UnsafeRawBufferPointer(idBytes), key: UnsafeRawBufferPointer(keyBytes),
                                                 type: UnsafeRawBufferPointer(typeBytes), meta: meta, payload: payload,
                                                 eventTime: d.eventTime?.microseconds,
                                                 idHash: HashIndex.hash(UnsafeRawBufferPointer(idBytes)),
                                                 keyHash: HashIndex.hash(UnsafeRawBufferPointer(keyBytes))))
                        }
                    }
                }
            }
        }
    }
}

extension Array where Element == EventDraft {
    func idHash(_ i: Int) -> UInt64 { HashIndex.hash(self[i].id) }
}

/// Events read from a JSON Lines input, kept compact: the id, key and type as strings and the data as a
/// byte range of the input (which is shared, not copied). The id and key hashes are worked out where
/// the events are read (on both cores), not by the writer.
struct CompactEvents: Sendable, AppendBatch {
    /// The input's bytes.
    let bytes: [UInt8]
    private(set) var ids: [String] = []
    private(set) var keys: [String] = []
    private(set) var idHashes: [UInt64] = []
    private(set) var keyHashes: [UInt64] = []
    var types: [String] = []
    /// Event times in µs; `Int64.min` for "none".
    var times: [Int64] = []
    /// The data of each event: a range of `bytes`.
    var payloads: [Range<Int>] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    var count: Int { ids.count }

    mutating func reserve(_ n: Int) {
        ids.reserveCapacity(n)
        keys.reserveCapacity(n)
        idHashes.reserveCapacity(n)
        keyHashes.reserveCapacity(n)
        types.reserveCapacity(n)
        times.reserveCapacity(n)
        payloads.reserveCapacity(n)
    }

    mutating func append(id: String, key: String, type: String, time: Int64?, payload: Range<Int>) {
        ids.append(id)
        keys.append(key)
        idHashes.append(HashIndex.hash(id))
        keyHashes.append(HashIndex.hash(key))
        types.append(type)
        times.append(time ?? Int64.min)
        payloads.append(payload)
    }

    mutating func append(contentsOf other: CompactEvents) {
        ids.append(contentsOf: other.ids)
        keys.append(contentsOf: other.keys)
        idHashes.append(contentsOf: other.idHashes)
        keyHashes.append(contentsOf: other.keyHashes)
        types.append(contentsOf: other.types)
        times.append(contentsOf: other.times)
        payloads.append(contentsOf: other.payloads)
    }

    func withEvent<R>(_ i: Int, _ body: (EventFields) throws -> R) rethrows -> R {
        var id = ids[i], key = keys[i], type = types[i]
        let time = times[i]
        let range = payloads[i]
        return try id.withUTF8 { idBytes in
            try key.withUTF8 { keyBytes in
                try type.withUTF8 { typeBytes in
                    try bytes.withUnsafeBytes { raw in
                        try body(EventFields(id: UnsafeRawBufferPointer(idBytes), key: UnsafeRawBufferPointer(keyBytes),
                                             type: UnsafeRawBufferPointer(typeBytes), meta: UnsafeRawBufferPointer(start: nil, count: 0),
                                             payload: UnsafeRawBufferPointer(rebasing: raw[range]),
                                             eventTime: time == Int64.min ? nil : time,
                                             idHash: idHashes[i], keyHash: keyHashes[i]))
                    }
                }
            }
        }
    }

    func idHash(_ i: Int) -> UInt64 { idHashes[i] }

    /// Changes event `i`'s id (and its hash).
    mutating func setID(_ i: Int, _ id: String) {
        ids[i] = id
        idHashes[i] = HashIndex.hash(id)
    }

    /// The events as drafts (copies).
    func drafts() -> [EventDraft] {
        (0..<count).map { i in
            EventDraft(id: ids[i], key: keys[i], type: types[i], eventTime: times[i] == Int64.min ? nil : Timestamp(microseconds: times[i]),
                       payload: Array(bytes[payloads[i]]))
        }
    }
}

/// An open-addressing table from 64-bit id hashes to offsets (several offsets may share a hash):
/// the writer's memory of the ids it must not append twice. Hash and offset share a slot, so a probe
/// touches one cache line.
///
/// The slots are allocated zeroed by the system (`calloc`; a slot holds the offset plus one, so zero
/// is empty) and kept at most two thirds full: a page is first touched when an id lands in it, not
/// all at once before the first append, and a 10M-event import needs 256 MB of slots, not 512 MB.
struct IDTable {
    private struct Slot {
        var hash: UInt64
        /// The offset plus one; 0: empty.
        var offsetPlusOne: Int64
    }

    private final class Slots {
        let base: UnsafeMutablePointer<Slot>
        let count: Int
        init(count: Int) {
            self.count = count
            // calloc of a large size maps fresh zero pages (nothing is written here).
            guard let raw = calloc(count, MemoryLayout<Slot>.stride) else {
                fatalError("out of memory for an id table of \(count) slots")
            }
            base = raw.bindMemory(to: Slot.self, capacity: count)
        }
        deinit { free(base) }

        func copy() -> Slots {
            let c = Slots(count: count)
            c.base.update(from: base, count: count)
            return c
        }
    }

    /// Shared by copies of the table until one of them inserts.
    private var slots: Slots
    private(set) var count = 0
    private var mask: Int

    init(capacity: Int = 1024) {
        let size = IDTable.size(for: capacity)
        slots = Slots(count: size)
        mask = size - 1
    }

    /// The number of slots for `capacity` entries at most two thirds full (a power of two).
    private static func size(for capacity: Int) -> Int {
        var size = 16
        while size * 2 < capacity * 3 + 3 { size <<= 1 }
        return size
    }

    @inline(__always) private static func slot(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    mutating func insert(hash: UInt64, offset: Int64) {
        let (found, slot) = find(hash: hash) { _ in false }
        if !found { insert(hash: hash, offset: offset, at: slot) }
    }

    /// Probes once for `hash`: found when `body` accepts one of the offsets stored under it; otherwise
    /// the empty slot where the hash goes, for ``insert(hash:offset:at:)`` (nothing may be inserted in
    /// between). Grows the table first when one more entry would make it over two thirds full.
    @inline(__always)
    mutating func find(hash: UInt64, where body: (Int64) throws -> Bool) rethrows -> (found: Bool, slot: Int) {
        if (count + 1) * 3 > slots.count * 2 { grow(to: slots.count * 2) }
        return try probe(hash: hash, where: body)
    }

    /// Walks the slots from where `hash` starts: the slot of an offset `body` accepts, or the empty
    /// slot that ends the walk.
    @inline(__always)
    private func probe(hash: UInt64, where body: (Int64) throws -> Bool) rethrows -> (found: Bool, slot: Int) {
        let mask = self.mask
        let s = slots.base
        var i = IDTable.slot(hash, mask)
        while s[i].offsetPlusOne != 0 {
            if s[i].hash == hash, try body(s[i].offsetPlusOne - 1) { return (true, i) }
            i = (i + 1) & mask
        }
        return (false, i)
    }

    /// Stores an offset in the empty slot ``find(hash:where:)`` returned.
    @inline(__always)
    mutating func insert(hash: UInt64, offset: Int64, at slot: Int) {
        if !isKnownUniquelyReferenced(&slots) { slots = slots.copy() }
        slots.base[slot] = Slot(hash: hash, offsetPlusOne: offset + 1)
        count += 1
    }

    /// Starts loading the slot where a lookup of `hash` begins (a lookup a few events ahead).
    @inline(__always)
    func prefetch(hash: UInt64) {
        hindsight_prefetch(slots.base + IDTable.slot(hash, mask))
    }

    /// Calls `body` with each offset stored under `hash` until it returns true; whether one did.
    @inline(__always)
    func contains(hash: UInt64, where body: (Int64) throws -> Bool) rethrows -> Bool {
        try probe(hash: hash, where: body).found
    }

    /// Makes room for `capacity` entries in all, so that inserting up to that many grows the table
    /// at most once, now (an import of millions of events would otherwise rehash it at every doubling).
    mutating func reserve(_ capacity: Int) {
        let size = IDTable.size(for: capacity)
        if size > slots.count { grow(to: size) }
    }

    private mutating func grow(to size: Int) {
        let old = slots
        let fresh = Slots(count: size)
        let mask = size - 1
        for k in 0..<old.count where old.base[k].offsetPlusOne != 0 {
            var i = IDTable.slot(old.base[k].hash, mask)
            while fresh.base[i].offsetPlusOne != 0 { i = (i + 1) & mask }
            fresh.base[i] = old.base[k]
        }
        slots = fresh
        self.mask = mask
    }
}
