import CMemoryHints

extension Array {
    /// Starts loading element `i`'s cache line (a hint for a loop that reaches it a few steps later;
    /// nothing happens for an index out of range).
    @inline(__always)
    func prefetch(_ i: Int) {
        withUnsafeBufferPointer { b in
            if let base = b.baseAddress, i >= 0, i < b.count { hindsight_prefetch(base + i) }
        }
    }
}
