/// The JSON number grammar (RFC 8259, section 6) on raw bytes: the one place vigil decides whether text
/// can be written into its JSON output as a number as it is (the JSON lines parser, typed decoder fields,
/// measured values of correlations).
public enum JSONNumberText {
    /// Scans `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` at `i` of the `count` bytes at `p`,
    /// leaving `i` after the number, or where it stopped being one (for error offsets); `exponent` tells
    /// whether it had one.
    @inlinable
    public static func scan(_ p: UnsafePointer<UInt8>, count: Int, at i: inout Int, exponent: inout Bool) -> Bool {
        @inline(__always) func at(_ k: Int) -> UInt8 { k < count ? p[k] : 0 }
        @inline(__always) func skipDigits(_ k: inout Int) { while k < count && p[k] &- 0x30 < 10 { k += 1 } }
        if at(i) == UInt8(ascii: "-") { i += 1 }
        if at(i) == UInt8(ascii: "0") {
            i += 1
        } else {
            guard at(i) &- 0x31 < 9 else { return false }
            skipDigits(&i)
        }
        if at(i) == UInt8(ascii: ".") {
            i += 1
            guard at(i) &- 0x30 < 10 else { return false }
            skipDigits(&i)
        }
        if at(i) | 0x20 == UInt8(ascii: "e") {
            exponent = true
            i += 1
            if at(i) == UInt8(ascii: "+") || at(i) == UInt8(ascii: "-") { i += 1 }
            guard at(i) &- 0x30 < 10 else { return false }
            skipDigits(&i)
        }
        return true
    }

    /// Whether text already known to be decimal digits with an optional sign (a typed `int` or `port`
    /// decoder field) can be written as a JSON number as it is: unless it has a `+` or a leading zero
    /// (`+5`, `04100`). A few instructions instead of ``scan(_:count:at:exponent:)``, once per typed field.
    @inlinable
    public static func isRenderableInteger(_ p: UnsafePointer<UInt8>, count: Int) -> Bool {
        let first = count > 0 && p[0] == UInt8(ascii: "-") ? 1 : 0
        return first < count && p[first] != UInt8(ascii: "+") && (p[first] != UInt8(ascii: "0") || count - first == 1)
    }

    /// Whether a scanned number (`count` bytes at `p`) is within the range of a `Double`. Only numbers
    /// with an exponent or hundreds of digits can be outside it, and only they are converted (rare).
    @inlinable
    public static func isWithinRange(_ p: UnsafePointer<UInt8>, count: Int, exponent: Bool) -> Bool {
        if !exponent && count <= 300 { return true }
        return Double(String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self))?.isFinite ?? false
    }
}
