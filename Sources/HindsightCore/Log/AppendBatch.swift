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

/// An event field's text as an importer found it: a byte range of the input (a string without
/// escapes, or a number, as written), or text made for it (decoded escapes, a derived id).
enum FieldText: Sendable, Equatable {
    case input(Range<Int>)
    case text(String)
}

/// Events read from a JSON Lines input, kept compact: each id, key and type is a reference to its
/// bytes in the input (shared, not copied) or, for the few that are not there as they are, in bytes
/// of their own; the data is a byte range of the input. 60 bytes an event, no strings made. The id
/// and key hashes are worked out where the events are read (on both cores), not by the writer.
struct CompactEvents: Sendable, AppendBatch {
    /// Where a field's bytes are: bit 63 set for `extra` (else the input), the start above bit 16,
    /// the length (at most ``RecordFormat/maxFieldLength``) below.
    private typealias Ref = UInt64
    private static let inExtra: UInt64 = 1 << 63

    /// The input's bytes.
    let bytes: InputBytes
    /// The bytes of fields that are not in the input as they are.
    private var extra: [UInt8] = []
    private var idRefs: [Ref] = []
    private var keyRefs: [Ref] = []
    private var typeRefs: [Ref] = []
    private(set) var idHashes: [UInt64] = []
    private(set) var keyHashes: [UInt64] = []
    /// Event times in µs; `Int64.min` for "none".
    private var times: [Int64] = []
    /// The data of each event: where it starts in `bytes`, and how long it is.
    private var payloadStarts: [Int] = []
    private var payloadCounts: [UInt32] = []
    /// The events whose id was derived from their bytes (they get "#n" when repeated), in order.
    private(set) var derived: [Int] = []

    init(bytes: InputBytes) { self.bytes = bytes }

    var count: Int { idRefs.count }

    mutating func reserve(_ n: Int) {
        idRefs.reserveCapacity(n)
        keyRefs.reserveCapacity(n)
        typeRefs.reserveCapacity(n)
        idHashes.reserveCapacity(n)
        keyHashes.reserveCapacity(n)
        times.reserveCapacity(n)
        payloadStarts.reserveCapacity(n)
        payloadCounts.reserveCapacity(n)
    }

    /// A reference to a field's bytes (kept in `extra` when they are made for it), and their hash.
    /// A field must not be longer than ``RecordFormat/maxFieldLength`` (the importer checks).
    private mutating func ref(_ field: FieldText) -> (Ref, UInt64) {
        switch field {
        case .input(let range):
            let n = min(range.count, RecordFormat.maxFieldLength)
            let hash = bytes.withUnsafeBytes { HashIndex.hash(UnsafeRawBufferPointer(rebasing: $0[range.lowerBound..<(range.lowerBound + n)])) }
            return (UInt64(range.lowerBound) << 16 | UInt64(n), hash)
        case .text(let text):
            let start = extra.count
            extra.append(contentsOf: text.utf8.prefix(RecordFormat.maxFieldLength))
            let n = extra.count - start
            let hash = extra.withUnsafeBytes { HashIndex.hash(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            return (CompactEvents.inExtra | UInt64(start) << 16 | UInt64(n), hash)
        }
    }

    mutating func append(id: FieldText, key: FieldText, type: FieldText, time: Int64?, payload: Range<Int>, derivedID: Bool = false) {
        if derivedID { derived.append(count) }
        let (i, ih) = ref(id)
        let (k, kh) = ref(key)
        let (t, _) = ref(type)
        idRefs.append(i)
        keyRefs.append(k)
        typeRefs.append(t)
        idHashes.append(ih)
        keyHashes.append(kh)
        times.append(time ?? Int64.min)
        payloadStarts.append(payload.lowerBound)
        payloadCounts.append(UInt32(truncatingIfNeeded: payload.count))
    }

    mutating func append(id: String, key: String, type: String, time: Int64?, payload: Range<Int>) {
        append(id: .text(id), key: .text(key), type: .text(type), time: time, payload: payload)
    }

    /// Appends another's events (read from the same input).
    mutating func append(contentsOf other: CompactEvents) {
        let base = UInt64(extra.count) << 16
        let shift = { (r: Ref) -> Ref in r & CompactEvents.inExtra != 0 ? r + base : r }
        derived.append(contentsOf: other.derived.map { $0 + count })
        extra.append(contentsOf: other.extra)
        idRefs.append(contentsOf: other.idRefs.map(shift))
        keyRefs.append(contentsOf: other.keyRefs.map(shift))
        typeRefs.append(contentsOf: other.typeRefs.map(shift))
        idHashes.append(contentsOf: other.idHashes)
        keyHashes.append(contentsOf: other.keyHashes)
        times.append(contentsOf: other.times)
        payloadStarts.append(contentsOf: other.payloadStarts)
        payloadCounts.append(contentsOf: other.payloadCounts)
    }

    /// A field's bytes (valid inside `body`).
    @inline(__always)
    private func withField<R>(_ r: Ref, _ input: UnsafeRawBufferPointer, _ extra: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = Int((r & ~CompactEvents.inExtra) >> 16), n = Int(r & 0xFFFF)
        let from = r & CompactEvents.inExtra != 0 ? extra : input
        return try body(UnsafeRawBufferPointer(rebasing: from[start..<(start + n)]))
    }

    private func text(_ r: Ref) -> String {
        bytes.withUnsafeBytes { input in extra.withUnsafeBytes { extra in withField(r, input, extra) { String(decoding: $0, as: UTF8.self) } } }
    }

    func id(_ i: Int) -> String { text(idRefs[i]) }
    func key(_ i: Int) -> String { text(keyRefs[i]) }
    func type(_ i: Int) -> String { text(typeRefs[i]) }
    func time(_ i: Int) -> Int64? { times[i] == Int64.min ? nil : times[i] }
    func payload(_ i: Int) -> Range<Int> { payloadStarts[i]..<(payloadStarts[i] + Int(payloadCounts[i])) }

    func withEvent<R>(_ i: Int, _ body: (EventFields) throws -> R) rethrows -> R {
        let time = times[i]
        let start = payloadStarts[i], n = Int(payloadCounts[i])
        return try bytes.withUnsafeBytes { input in
            try extra.withUnsafeBytes { extra in
                try withField(idRefs[i], input, extra) { id in
                    try withField(keyRefs[i], input, extra) { key in
                        try withField(typeRefs[i], input, extra) { type in
                            try body(EventFields(id: id, key: key, type: type, meta: UnsafeRawBufferPointer(start: nil, count: 0),
                                                 payload: UnsafeRawBufferPointer(rebasing: input[start..<(start + n)]),
                                                 eventTime: time == Int64.min ? nil : time,
                                                 idHash: idHashes[i], keyHash: keyHashes[i]))
                        }
                    }
                }
            }
        }
    }

    func idHash(_ i: Int) -> UInt64 { idHashes[i] }

    /// Changes event `i`'s id (and its hash).
    mutating func setID(_ i: Int, _ id: String) {
        let (r, h) = ref(.text(id))
        idRefs[i] = r
        idHashes[i] = h
    }

    /// The events as drafts (copies).
    func drafts() -> [EventDraft] {
        (0..<count).map { i in
            EventDraft(id: id(i), key: key(i), type: type(i), eventTime: time(i).map { Timestamp(microseconds: $0) },
                       payload: Array(bytes[payload(i)]))
        }
    }
}

/// An open-addressing table from 64-bit id hashes to offsets (several offsets may share a hash):
/// the writer's memory of the ids it must not append twice. A slot is 8 bytes, so a probe touches one
/// cache line and a 10M-event import needs 128 MB of slots: the top 32 bits of the mixed hash (the
/// slot index is their top bits, so the table regrows from them alone) and the offset modulo
/// 2^32 - 1, plus one. Lookups hand `body` every offset a slot can stand for (one, below 4G records)
/// under every slot whose 32 bits agree; the caller checks the record's id, so sharing is harmless.
///
/// The slots are allocated zeroed by the system (`calloc`; zero is empty) and kept at most two thirds
/// full: a page is first touched when an id lands in it, not all at once before the first append.
struct IDTable {
    /// Offsets are stored modulo this (plus one, so that zero is empty).
    private static let modulus: Int64 = 0xFFFF_FFFF

    private final class Slots {
        let base: UnsafeMutablePointer<UInt64>
        let count: Int
        init(count: Int) {
            self.count = count
            // calloc of a large size maps fresh zero pages (nothing is written here).
            guard let raw = calloc(count, MemoryLayout<UInt64>.stride) else {
                fatalError("out of memory for an id table of \(count) slots")
            }
            base = raw.bindMemory(to: UInt64.self, capacity: count)
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
    /// log2 of the number of slots (at most 32: the slot index is the top bits of the stored 32).
    private var bits: Int
    /// One more than the largest offset inserted: the offsets a stored remainder can stand for are below it.
    private var limit: Int64 = 0

    init(capacity: Int = 1024) {
        bits = IDTable.bits(for: capacity)
        slots = Slots(count: 1 << bits)
    }

    /// log2 of the number of slots for `capacity` entries at most two thirds full.
    private static func bits(for capacity: Int) -> Int {
        var bits = 4
        while bits < 32 && (1 << bits) * 2 < capacity * 3 + 3 { bits += 1 }
        return bits
    }

    /// The top 32 bits of the mixed hash: what a slot keeps of it.
    @inline(__always) private static func tag(_ hash: UInt64) -> UInt64 { (hash &* 0x9E37_79B9_7F4A_7C15) >> 32 }

    @inline(__always) private static func slot(tag: UInt64, bits: Int) -> Int { Int(truncatingIfNeeded: tag >> UInt64(32 - bits)) }

    mutating func insert(hash: UInt64, offset: Int64) {
        let (found, slot) = find(hash: hash) { _ in false }
        if !found { insert(hash: hash, offset: offset, at: slot) }
    }

    /// Probes once for `hash`: found when `body` accepts one of the offsets stored under it; otherwise
    /// the empty slot where the hash goes, for ``insert(hash:offset:at:)`` (nothing may be inserted in
    /// between). Grows the table first when one more entry would make it over two thirds full.
    @inline(__always)
    mutating func find(hash: UInt64, where body: (Int64) throws -> Bool) rethrows -> (found: Bool, slot: Int) {
        if (count + 1) * 3 > slots.count * 2 && bits < 32 { grow(bits: bits + 1) }
        return try probe(hash: hash, where: body)
    }

    /// Walks the slots from where `hash` starts: the slot of an offset `body` accepts, or the empty
    /// slot that ends the walk.
    @inline(__always)
    private func probe(hash: UInt64, where body: (Int64) throws -> Bool) rethrows -> (found: Bool, slot: Int) {
        let mask = slots.count - 1
        let s = slots.base
        let tag = IDTable.tag(hash)
        var i = IDTable.slot(tag: tag, bits: bits)
        while s[i] != 0 {
            if s[i] >> 32 == tag {
                // The offsets this remainder stands for (just one in a log of fewer than 4G records).
                var offset = Int64(s[i] & 0xFFFF_FFFF) - 1
                while offset < limit {
                    if try body(offset) { return (true, i) }
                    offset += IDTable.modulus
                }
            }
            i = (i + 1) & mask
        }
        return (false, i)
    }

    /// Stores an offset in the empty slot ``find(hash:where:)`` returned.
    @inline(__always)
    mutating func insert(hash: UInt64, offset: Int64, at slot: Int) {
        if !isKnownUniquelyReferenced(&slots) { slots = slots.copy() }
        slots.base[slot] = IDTable.tag(hash) << 32 | UInt64(offset % IDTable.modulus + 1)
        limit = max(limit, offset + 1)
        count += 1
    }

    /// Starts loading the slot where a lookup of `hash` begins (a lookup a few events ahead).
    @inline(__always)
    func prefetch(hash: UInt64) {
        hindsight_prefetch(slots.base + IDTable.slot(tag: IDTable.tag(hash), bits: bits))
    }

    /// Calls `body` with each offset stored under `hash` until it returns true; whether one did.
    @inline(__always)
    func contains(hash: UInt64, where body: (Int64) throws -> Bool) rethrows -> Bool {
        try probe(hash: hash, where: body).found
    }

    /// Makes room for `capacity` entries in all, so that inserting up to that many grows the table
    /// at most once, now (an import of millions of events would otherwise rehash it at every doubling).
    mutating func reserve(_ capacity: Int) {
        let wanted = IDTable.bits(for: capacity)
        if wanted > bits { grow(bits: wanted) }
    }

    private mutating func grow(bits: Int) {
        let old = slots
        let fresh = Slots(count: 1 << bits)
        let mask = fresh.count - 1
        for k in 0..<old.count where old.base[k] != 0 {
            var i = IDTable.slot(tag: old.base[k] >> 32, bits: bits)
            while fresh.base[i] != 0 { i = (i + 1) & mask }
            fresh.base[i] = old.base[k]
        }
        slots = fresh
        self.bits = bits
    }
}
