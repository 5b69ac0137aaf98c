import Foundation
import VigilEvent

/// Byte-level string tests: equality, prefix, suffix, substring and glob, on folded (or, for
/// `cased`, original) UTF-8.
enum TextMatching {
    /// Whether `count` bytes at `a` and `b` are equal: ``ByteCompare`` up to 16 bytes (most Sigma
    /// values), `memcmp` (vectorized) beyond.
    @inline(__always)
    static func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        count <= 16 ? ByteCompare.equal(a, b, count: count) : memcmp(a, b, count) == 0
    }

    @inline(__always)
    static func equals(_ text: UnsafeRawBufferPointer, _ literal: UnsafeRawBufferPointer) -> Bool {
        text.count == literal.count && (literal.count == 0 || bytesEqual(text.baseAddress!, literal.baseAddress!, count: literal.count))
    }

    @inline(__always)
    static func hasPrefix(_ text: UnsafeRawBufferPointer, _ literal: UnsafeRawBufferPointer) -> Bool {
        text.count >= literal.count && (literal.count == 0 || bytesEqual(text.baseAddress!, literal.baseAddress!, count: literal.count))
    }

    @inline(__always)
    static func hasSuffix(_ text: UnsafeRawBufferPointer, _ literal: UnsafeRawBufferPointer) -> Bool {
        text.count >= literal.count
            && (literal.count == 0
                || bytesEqual(text.baseAddress! + (text.count - literal.count), literal.baseAddress!, count: literal.count))
    }

    /// Offset of the first occurrence of `literal` in `text` at or after `from`, or nil.
    @inline(__always)
    static func find(_ literal: UnsafeRawBufferPointer, in text: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        if literal.count == 0 { return from <= text.count ? from : nil }
        guard text.count - from >= literal.count, let base = text.baseAddress, let needle = literal.baseAddress else { return nil }
        let first = Int32(literal[0])
        let last = text.count - literal.count
        var i = from
        while i <= last {
            guard let hit = memchr(base + i, first, last - i + 1) else { return nil }
            let position = UnsafeRawPointer(hit) - base
            if literal.count == 1 || bytesEqual(base + position + 1, needle + 1, count: literal.count - 1) { return position }
            i = position + 1
        }
        return nil
    }

    @inline(__always)
    static func contains(_ text: UnsafeRawBufferPointer, _ literal: UnsafeRawBufferPointer) -> Bool {
        find(literal, in: text) != nil
    }

    /// Bytes of the UTF-8 character starting with `lead` (1 for continuation or invalid bytes).
    @inline(__always)
    static func characterLength(_ lead: UInt8) -> Int {
        if lead < 0xC0 { return 1 }
        if lead < 0xE0 { return 2 }
        if lead < 0xF0 { return 3 }
        return 4
    }

    /// Length of a windash character at `offset` (`-`, `/`, U+2013, U+2014, U+2015), or 0.
    @inline(__always)
    static func dashLength(_ text: UnsafeRawBufferPointer, at offset: Int) -> Int {
        let b = text[offset]
        if b == 0x2D || b == 0x2F { return 1 }
        if b == 0xE2, offset + 2 < text.count, text[offset + 1] == 0x80, (0x93...0x95).contains(text[offset + 2]) { return 3 }
        return 0
    }

    /// Glob matching with `*` (any run), `?` (one character) and the dash class; backtracks only to
    /// the last `*`, so it runs in O(text × pattern) at worst.
    static func glob(_ text: UnsafeRawBufferPointer, tokens: UnsafeBufferPointer<Program.GlobToken>, literals: UnsafeRawBufferPointer)
        -> Bool
    {
        let n = text.count
        let first = tokens.startIndex
        let end = tokens.endIndex
        var t = 0
        var p = first
        var starToken = -1
        var starText = 0
        while true {
            if p < end {
                let token = tokens[p]
                switch token.kind {
                case .anyRun:
                    if p == end - 1 { return true }
                    starToken = p
                    starText = t
                    p += 1
                    continue
                case .literal:
                    let literal = UnsafeRawBufferPointer(rebasing: literals[Int(token.start)..<Int(token.start + token.length)])
                    if t + literal.count <= n,
                        literal.count == 0 || memcmp(text.baseAddress! + t, literal.baseAddress!, literal.count) == 0
                    {
                        t += literal.count
                        p += 1
                        continue
                    }
                case .anyCharacter:
                    if t < n {
                        t = min(n, t + characterLength(text[t]))
                        p += 1
                        continue
                    }
                case .dash:
                    if t < n {
                        let length = dashLength(text, at: t)
                        if length > 0 {
                            t += length
                            p += 1
                            continue
                        }
                    }
                }
            } else if t == n {
                return true
            }
            guard starToken >= 0, starText < n else { return false }
            starText += characterLength(text[starText])
            t = starText
            p = starToken + 1
        }
    }
}
