import VigilEvent

/// One message's bytes inside its batch buffer. Positions are relative to the message start; ``range(_:_:)``
/// turns them into batch ``ByteRange``s.
///
/// Reads are unchecked: every parser checks `i < count` before reading position `i`.
struct MessageBytes {
    let base: UnsafePointer<UInt8>
    let count: Int
    /// Where the message starts in the batch buffer.
    let offset: Int

    @inline(__always)
    subscript(i: Int) -> UInt8 { base[i] }

    /// The byte at `i`, or 0 past the end (0 never ends a token successfully in any format we parse).
    @inline(__always)
    func at(_ i: Int) -> UInt8 { i < count ? base[i] : 0 }

    @inline(__always)
    func range(_ from: Int, _ to: Int) -> ByteRange {
        ByteRange(start: offset + from, end: offset + to)
    }

    @inline(__always)
    func bytes(_ from: Int, _ to: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + from, count: to - from)
    }

    /// The position of the first `byte` at or after `from`, or `count`.
    @inline(__always)
    func find(_ byte: UInt8, from: Int) -> Int {
        var i = from
        while i < count && base[i] != byte { i += 1 }
        return i
    }

    /// Whether the bytes at `i` equal `literal`.
    @inline(__always)
    func matches(_ literal: StaticString, at i: Int) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard i + n <= count else { return false }
        let l = literal.utf8Start
        for k in 0..<n where base[i + k] != l[k] { return false }
        return true
    }
}

/// ASCII classes the syslog grammars use.
enum ASCII {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let colon = UInt8(ascii: ":")
    static let dash = UInt8(ascii: "-")
    static let dot = UInt8(ascii: ".")
    static let plus = UInt8(ascii: "+")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let lessThan = UInt8(ascii: "<")
    static let greaterThan = UInt8(ascii: ">")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let equals = UInt8(ascii: "=")
    static let zero = UInt8(ascii: "0")

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    /// RFC 5424 PRINTUSASCII (%d33-126).
    @inline(__always)
    static func isPrintable(_ b: UInt8) -> Bool { b &- 33 < 94 }

    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab || b == lf || b == cr }
}

extension MessageBytes {
    /// Reads exactly `width` decimal digits at `i`, or nil.
    @inline(__always)
    func fixedDigits(at i: Int, width: Int) -> Int? {
        guard i + width <= count else { return nil }
        var value = 0
        for k in 0..<width {
            let d = base[i + k] &- 0x30
            if d >= 10 { return nil }
            value = value * 10 + Int(d)
        }
        return value
    }
}
