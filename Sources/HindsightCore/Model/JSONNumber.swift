/// A JSON number kept exactly as written (so integers beyond 64 bits survive a round trip).
public struct JSONNumber: Sendable, CustomStringConvertible {
    /// The number's JSON text, e.g. `-12`, `3.5e10`.
    public let literal: String

    /// Wraps a literal that is already valid JSON number syntax (the parser guarantees it).
    public init(validatedLiteral: String) { self.literal = validatedLiteral }

    public init(_ value: Int64) { self.literal = String(value) }
    public init(_ value: Int) { self.literal = String(value) }

    /// A double, written in the shortest form that reads back as the same double. JSON has no
    /// infinity or NaN: an infinite value is written as the largest finite double of its sign and NaN
    /// as 0, so the literal is always valid JSON (callers that can overflow check `double.isFinite` first).
    public init(_ value: Double) {
        guard value.isFinite else {
            self.literal = value.isNaN ? "0" : "\(value < 0 ? -Double.greatestFiniteMagnitude : Double.greatestFiniteMagnitude)"
            return
        }
        if value == value.rounded(), abs(value) < 9.007_199_254_740_992e15 {
            self.literal = String(Int64(value))
        } else {
            self.literal = "\(value)"
        }
    }

    public var description: String { literal }

    /// Whether the literal has integer syntax (no fraction, no exponent).
    public var isIntegerSyntax: Bool {
        !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The value as a 64-bit integer when it is one exactly.
    public var int64: Int64? {
        if let v = Int64(literal) { return v }
        if isIntegerSyntax { return nil }  // beyond 64 bits
        let d = double
        guard d.isFinite, d == d.rounded() else { return nil }
        return Int64(exactly: d)
    }

    /// The value as a double (may round; very large exponents give infinity).
    public var double: Double { Double(literal) ?? .nan }

    /// Adds two numbers: exact for 64-bit integers, else in double precision.
    public static func + (lhs: JSONNumber, rhs: JSONNumber) -> JSONNumber {
        if let a = lhs.int64, let b = rhs.int64 {
            let (sum, overflow) = a.addingReportingOverflow(b)
            if !overflow { return JSONNumber(sum) }
        }
        return JSONNumber(lhs.double + rhs.double)
    }

    /// The negated number.
    public var negated: JSONNumber {
        if literal.hasPrefix("-") { return JSONNumber(validatedLiteral: String(literal.dropFirst())) }
        if literal == "0" { return self }
        return JSONNumber(validatedLiteral: "-" + literal)
    }
}

extension JSONNumber: Hashable {
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.literal == rhs.literal { return true }
        if let a = Int64(lhs.literal), let b = Int64(rhs.literal) { return a == b }
        if lhs.isIntegerSyntax && rhs.isIntegerSyntax {
            // Integers beyond 64 bits: equal only when written the same (JSON has no leading zeros).
            return lhs.literal == rhs.literal || (lhs.literal == "-0" && rhs.literal == "0")
                || (lhs.literal == "0" && rhs.literal == "-0")
        }
        return lhs.double == rhs.double
    }

    public func hash(into hasher: inout Hasher) {
        let d = double
        if d.isFinite, d == d.rounded(), abs(d) < 9.2e18, let i = Int64(exactly: d) {
            hasher.combine(i)
        } else {
            hasher.combine(d)
        }
    }
}
