import CMemoryHints

/// The records' keys, each with a slot number (0, 1, ... in order of first appearance): an
/// open-addressing table over the keys' bytes (kept in one buffer), so that a record's slot is found
/// from its key bytes without making a `String`.
struct KeySlots {
    /// Slot + 1 per table entry (0: empty); the size is a power of two, at most half full.
    private var table: [Int32] = Array(repeating: 0, count: 1024)
    private var hashes: [UInt64] = []
    private var starts: [Int] = []
    private var bytes: [UInt8] = []

    var count: Int { hashes.count }

    @inline(__always)
    private static func index(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The key bytes of a slot (valid inside `body`).
    @inline(__always)
    func withKey<R>(_ slot: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = starts[slot]
        let end = slot + 1 < starts.count ? starts[slot + 1] : bytes.count
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    /// The slot of a key, if it has one.
    @inline(__always)
    func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        let mask = table.count - 1
        return table.withUnsafeBufferPointer { t -> Int? in
            var i = KeySlots.index(hash, mask)
            while t[i] != 0 {
                let s = Int(t[i]) - 1
                if hashes[s] == hash, withKey(s, { $0.sameBytes(as: key) }) { return s }
                i = (i + 1) & mask
            }
            return nil
        }
    }

    /// The slot of a key, made when it is new.
    @inline(__always)
    mutating func slot(_ key: UnsafeRawBufferPointer, hash: UInt64) -> (slot: Int, new: Bool) {
        if let s = find(key, hash: hash) { return (s, false) }
        let s = hashes.count
        hashes.append(hash)
        starts.append(bytes.count)
        bytes.append(contentsOf: key)
        if (s + 1) * 2 > table.count { grow() } else { place(s) }
        return (s, true)
    }

    private mutating func place(_ s: Int) {
        let mask = table.count - 1
        var i = KeySlots.index(hashes[s], mask)
        while table[i] != 0 { i = (i + 1) & mask }
        table[i] = Int32(s + 1)
    }

    private mutating func grow() { rehash(size: table.count * 2) }

    private mutating func rehash(size: Int) {
        table = Array(repeating: 0, count: size)
        for s in 0..<hashes.count { place(s) }
    }

    /// Makes room for `n` keys of about `keyBytes` bytes in all, so adding them rehashes nothing.
    mutating func reserve(_ n: Int, keyBytes: Int = 0) {
        hashes.reserveCapacity(n)
        starts.reserveCapacity(n)
        bytes.reserveCapacity(keyBytes)
        var size = table.count
        while size < 2 * n { size <<= 1 }
        if size > table.count { rehash(size: size) }
    }

    // MARK: Key order

    /// `slots` with their keys' prefixes, sorted by key (``KeyOrder``).
    func sortedByKey(_ slots: some Sequence<Int>) -> [KeyOrder.Keyed] {
        var keyed: [KeyOrder.Keyed] = []
        keyed.reserveCapacity(slots.underestimatedCount)
        for s in slots { withKey(s) { keyed.append(KeyOrder.Keyed(prefix: KeyOrder.Prefix($0), slot: s)) } }
        keyed.sort { precedes($0, $1) }
        return keyed
    }

    /// Whether `a`'s key sorts before `b`'s.
    @inline(__always)
    func precedes(_ a: KeyOrder.Keyed, _ b: KeyOrder.Keyed) -> Bool {
        if a.prefix.high != b.prefix.high { return a.prefix.high < b.prefix.high }
        if a.prefix.low != b.prefix.low { return a.prefix.low < b.prefix.low }
        return withKey(a.slot) { ka in withKey(b.slot) { kb in KeyOrder.compare(a.prefix, ka, b.prefix, kb) < 0 } }
    }

    // MARK: Looking many keys up at once

    /// Starts loading a slot's hash and where its key is.
    @inline(__always)
    func prefetchSlot(_ s: Int) {
        hashes.prefetch(s)
        starts.prefetch(s)
    }

    /// Starts loading a slot's key bytes.
    @inline(__always)
    func prefetchKey(_ s: Int) {
        guard s >= 0, s < starts.count else { return }
        bytes.prefetch(starts[s])
    }

    /// The slots of `n` keys (`key(i)`, hashed `hashes[i]`), made for new keys in order: what `n`
    /// calls of ``slot(_:hash:)`` give. Keys already here are looked up first, all in one pass that
    /// starts loading each key's memory (the table entry, then the slot's hash and key bytes) a few
    /// keys ahead; new keys are then given slots in order of first appearance.
    mutating func slots(count n: Int, hashes h: UnsafeBufferPointer<UInt64>, key: (Int) -> UnsafeRawBufferPointer, into out: inout [Int32]) {
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: repeatElement(-1, count: n))
        var missing = 0
        out.withUnsafeMutableBufferPointer { found in
            table.withUnsafeBufferPointer { t in
                hashes.withUnsafeBufferPointer { sh in
                    starts.withUnsafeBufferPointer { st in
                        bytes.withUnsafeBytes { kb in
                            guard let tb = t.baseAddress, let shb = sh.baseAddress, let stb = st.baseAddress, let kbb = kb.baseAddress else {
                                missing = n
                                return
                            }
                            let mask = t.count - 1, slotCount = sh.count, d = KeySlots.distance
                            @inline(__always) func candidate(_ i: Int) -> Int {
                                Int(t[KeySlots.index(h[i], mask)]) - 1
                            }
                            for r in 0..<(n + 3 * d) {
                                if r < n { hindsight_prefetch(tb + KeySlots.index(h[r], mask)) }
                                if r >= d && r - d < n {
                                    let s = candidate(r - d)
                                    if s >= 0 {
                                        hindsight_prefetch(shb + s)
                                        hindsight_prefetch(stb + s)
                                    }
                                }
                                if r >= 2 * d && r - 2 * d < n {
                                    let s = candidate(r - 2 * d)
                                    if s >= 0 { hindsight_prefetch(kbb + st[s]) }
                                }
                                guard r >= 3 * d else { continue }
                                let i = r - 3 * d
                                let k = key(i), hash = h[i]
                                var at = KeySlots.index(hash, mask)
                                while t[at] != 0 {
                                    let s = Int(t[at]) - 1
                                    let end = s + 1 < slotCount ? st[s + 1] : kb.count
                                    if sh[s] == hash, UnsafeRawBufferPointer(rebasing: kb[st[s]..<end]).sameBytes(as: k) {
                                        found[i] = Int32(s)
                                        break
                                    }
                                    at = (at + 1) & mask
                                }
                                if found[i] < 0 { missing += 1 }
                            }
                        }
                    }
                }
            }
        }
        guard missing > 0 else { return }
        for i in 0..<n where out[i] < 0 { out[i] = Int32(slot(key(i), hash: h[i]).slot) }
    }

    /// Keys between the stages of ``slots(count:hashes:key:into:)``.
    private static let distance = 4
}
