/// Checks of typed decoder fields (`int`, `port`, `ip`), on the matched bytes, without allocating.
enum FieldTypeCheck {
    /// An optionally signed decimal integer that fits in `Int64`.
    static func isInt(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count == 0 ? false : isInt(b.baseAddress!.assumingMemoryBound(to: UInt8.self), b.count)
    }

    @inline(__always)
    static func isInt(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var i = 0
        if count > 0 && (p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+")) { i = 1 }
        let digits = count - i
        guard digits > 0 && digits <= 19 else { return false }
        var value: UInt64 = 0
        while i < count {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { return false }
            value = value &* 10 &+ UInt64(d)
            i &+= 1
        }
        return value <= UInt64(Int64.max)
    }

    /// A decimal number from 0 to 65535.
    static func isPort(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count == 0 ? false : isPort(b.baseAddress!.assumingMemoryBound(to: UInt8.self), b.count)
    }

    @inline(__always)
    static func isPort(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        guard count > 0 && count <= 5 else { return false }
        var value = 0
        for i in 0..<count {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { return false }
            value = value &* 10 &+ Int(d)
        }
        return value <= 65535
    }

    /// An IPv4 or IPv6 address.
    static func isIP(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count == 0 ? false : isIP(b.baseAddress!.assumingMemoryBound(to: UInt8.self), b.count)
    }

    @inline(__always)
    static func isIP(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        isIPv4(p, count) || isIPv6(UnsafeRawBufferPointer(start: p, count: count))
    }

    /// Dotted quad, each part 1 to 3 digits and at most 255.
    static func isIPv4(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count == 0 ? false : isIPv4(b.baseAddress!.assumingMemoryBound(to: UInt8.self), b.count)
    }

    /// Four parts, each parsed with at most three digit tests; no loop over characters.
    @inline(__always)
    static func isIPv4(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        guard count >= 7 && count <= 15 else { return false }
        var i = 0
        for part in 0..<4 {
            // The first digit is required; the count bound above keeps every read inside the value
            // except after the last part, which the `i < count` tests guard.
            guard i < count else { return false }
            var value = Int(p[i] &- UInt8(ascii: "0"))
            guard value < 10 else { return false }
            i &+= 1
            if i < count, case let d = Int(p[i] &- UInt8(ascii: "0")), d < 10 {
                value = value &* 10 &+ d
                i &+= 1
                if i < count, case let d = Int(p[i] &- UInt8(ascii: "0")), d < 10 {
                    value = value &* 10 &+ d
                    i &+= 1
                }
            }
            guard value <= 255 else { return false }
            if part < 3 {
                guard i < count && p[i] == UInt8(ascii: ".") else { return false }
                i &+= 1
            }
        }
        return i == count
    }

    /// RFC 4291 text forms: eight groups, `::` for a run of zero groups, an optional trailing IPv4 and an
    /// optional `%zone`.
    static func isIPv6(_ whole: UnsafeRawBufferPointer) -> Bool {
        var n = whole.count
        if let percent = whole.firstIndex(of: UInt8(ascii: "%")) {
            guard percent < n - 1 else { return false }
            n = percent
        }
        let b = UnsafeRawBufferPointer(rebasing: whole[0..<n])
        guard n >= 2 && n <= 45 else { return false }
        let colon = UInt8(ascii: ":")
        var groups = 0
        var compressed = false
        var i = 0
        if b[0] == colon {
            guard b[1] == colon else { return false }
            compressed = true
            i = 2
        }
        while i < n {
            let start = i
            while i < n && isHex(b[i]) && i - start < 5 { i += 1 }
            if i < n && b[i] == UInt8(ascii: ".") {
                guard isIPv4(UnsafeRawBufferPointer(rebasing: b[start..<n])) else { return false }
                groups += 2
                break
            }
            guard i > start && i - start <= 4 else { return false }
            groups += 1
            if i == n { break }
            guard b[i] == colon, i + 1 < n else { return false }
            i += 1
            if b[i] == colon {
                guard !compressed else { return false }
                compressed = true
                i += 1
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }

    @inline(__always)
    private static func isHex(_ c: UInt8) -> Bool {
        (c &- UInt8(ascii: "0")) < 10 || ((c | 0x20) &- UInt8(ascii: "a")) < 6
    }
}
