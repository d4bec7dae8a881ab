import Foundation

/// A point in time: microseconds since 1970-01-01T00:00:00Z (UTC).
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microseconds < b.microseconds }

    /// RFC 3339 in UTC, with as many fraction digits as needed (none, 3 or 6).
    public var description: String { iso8601 }

    public var iso8601: String {
        let us = microseconds
        var secs = us / 1_000_000
        var frac = us % 1_000_000
        if frac < 0 { frac += 1_000_000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = Timestamp.civil(fromDays: days)
        var s = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        s += pad(rem / 3600, 2) + ":" + pad(rem % 3600 / 60, 2) + ":" + pad(rem % 60, 2)
        if frac != 0 {
            if frac % 1000 == 0 { s += "." + pad(frac / 1000, 3) } else { s += "." + pad(frac, 6) }
        }
        return s + "Z"
    }

    private func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    // MARK: Parsing

    /// How a number is read as a time: by magnitude. |n| < 10^11 is seconds (until year 5138),
    /// < 10^14 milliseconds, otherwise microseconds. Fractions are kept to the microsecond.
    public static func fromEpochNumber(_ n: JSONNumber) -> Timestamp? {
        let d = n.double
        guard d.isFinite else { return nil }
        let magnitude = abs(d)
        let us: Double
        if magnitude < 1e11 { us = d * 1_000_000 } else if magnitude < 1e14 { us = d * 1_000 } else { us = d }
        guard abs(us) < 9.2e18 else { return nil }
        if let i = n.int64 {
            if magnitude < 1e11 { return Timestamp(microseconds: i * 1_000_000) }
            if magnitude < 1e14 { return Timestamp(microseconds: i * 1_000) }
            return Timestamp(microseconds: i)
        }
        return Timestamp(microseconds: Int64(us.rounded()))
    }

    /// Reads a time as users and logs write it: RFC 3339 (`2026-11-21T15:00:00Z`,
    /// `2026-11-21 15:00:00.5+01:00`), a date alone (midnight UTC), or epoch digits (see `fromEpochNumber`).
    public static func parse(_ text: String) -> Timestamp? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let first = t.utf8.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
            t.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }),
            !t.dropFirst().contains("-")
        {
            return fromEpochNumber(JSONNumber(validatedLiteral: t))
        }
        return parseRFC3339(Array(t.utf8))
    }

    /// Reads a time from a JSON value: a string (as `parse`) or a number (epoch, by magnitude).
    public static func from(_ value: JSON) -> Timestamp? {
        switch value {
        case .string(let s): return parse(s)
        case .number(let n): return fromEpochNumber(n)
        default: return nil
        }
    }

    static func parseRFC3339(_ b: [UInt8]) -> Timestamp? {
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2), (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        if i == b.count { return Timestamp(microseconds: days * 86_400_000_000) }
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), hour < 24, minute < 60 else { return nil }
        var second: Int64 = 0
        if expect(UInt8(ascii: ":")) {
            guard let s = digits(2), s <= 60 else { return nil }
            second = min(s, 59)  // a leap second reads as :59
        }
        var micros: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
            i += 1
            var scale: Int64 = 100_000
            var any = false
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                micros += Int64(b[i] - 0x30) * scale
                scale /= 10
                i += 1
                any = true
            }
            guard any else { return nil }
        }
        var offsetSeconds: Int64 = 0
        if i == b.count {
            // No zone: read as UTC.
        } else if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = digits(2), oh < 24 else { return nil }
            _ = expect(UInt8(ascii: ":"))
            guard let om = digits(2), om < 60 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Timestamp(microseconds: secs * 1_000_000 + micros)
    }

    static func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
