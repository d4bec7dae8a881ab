/// Whether a Unicode scalar must never reach a terminal raw: C0 controls, DEL, C1 controls,
/// bidi embeddings/overrides/isolates and marks, line/paragraph separators and the BOM.
@inline(__always)
func isTerminalUnsafeScalar(_ v: UInt32) -> Bool {
    if v < 0x20 || (v >= 0x7F && v <= 0x9F) { return true }
    if v < 0x200E { return v == 0x061C }
    switch v {
    case 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: return true
    default: return false
    }
}
