extension SegmentFile {
    /// Whether a valid record with a later offset than `offset` starts anywhere after `position` (before
    /// `size`). A torn tail left by a crash is always the last thing in a segment, so bad bytes at
    /// `position` with a valid record after them are damage inside the log, not a torn tail, even when
    /// the damage hit a length field so that the records after it cannot be framed from it: a writer
    /// must not cut them. Looks at every byte position, cheap header checks first and the CRC last.
    func validRecordFollows(_ position: Int, offset: Int64, size: Int) throws -> Bool {
        let header = RecordFormat.headerSize
        // A later record's offset is at most this far ahead (every record takes this many bytes).
        let maxAhead = Int64((size - position) / RecordFormat.minimumRecordSize) + 1
        let chunk = 1 << 16
        var p = position + 1
        while p + RecordFormat.minimumRecordSize <= size {
            let count = min(size - p, chunk + header)
            let candidate: Int? = try withBytes(at: p, count: count, scan: true) { raw in
                guard raw.count >= header else { return nil }
                var q = 0
                while q + header <= raw.count && q < chunk {
                    let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: q, as: UInt32.self)))
                    if length >= RecordFormat.minimumRecordSize - 4, p + q + 4 + length <= size, raw[q + 8] == RecordFormat.version {
                        let o = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: q + 16, as: Int64.self))
                        if o > offset && o - offset <= maxAhead { return q }
                    }
                    q += 1
                }
                return nil
            }
            guard let q = candidate else {
                p += chunk
                continue
            }
            if case .record = try decode(at: p + q, expectedOffset: nil, limit: size) { return true }
            p += q + 1
        }
        return false
    }
}
