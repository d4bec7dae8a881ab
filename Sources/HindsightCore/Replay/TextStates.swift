/// Records' states as JSON text, folded with the default rule (an RFC 7396 merge of every event) on
/// text: one slot per key (``KeySlots``) and the states in a ``TextArena``, so a fold allocates
/// nothing per event. A record's first event merges onto a state held elsewhere (a stored
/// checkpoint's text, in its mapped file), which is not copied first.
struct TextStates {
    private var keys = KeySlots()
    private var texts = TextArena()

    init() {}

    var count: Int { keys.count }

    /// Makes room for `n` records.
    mutating func reserve(_ n: Int) {
        keys.reserve(n, keyBytes: n * 16)
        texts.reserveSlots(n)
    }

    /// Merges an event's data into its record's state; a record met for the first time starts from
    /// `base(key)` (nil: absent).
    mutating func merge(_ key: UnsafeRawBufferPointer, _ patch: UnsafeRawBufferPointer,
                        startingFrom base: (UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? = { _ in nil }) {
        let (s, new) = keys.slot(key, hash: HashIndex.hash(key))
        guard new else { return texts.merge(s, patch) }
        texts.addSlot()
        texts.merge(s, patch, onto: base(key))
    }

    /// A slot's key bytes, valid inside `body`.
    @inline(__always)
    func withKey<R>(_ s: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try keys.withKey(s, body) }

    /// A slot's key and text (nil: absent), valid inside `body`.
    @inline(__always)
    func withEntry<R>(_ s: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        try keys.withKey(s) { key in try texts.withText(s) { try body(key, $0) } }
    }

    /// The slots in `range` with their keys' prefixes, sorted by key.
    func sortedSlots(_ range: Range<Int>) -> [KeyOrder.Keyed] { keys.sortedByKey(range) }
}
