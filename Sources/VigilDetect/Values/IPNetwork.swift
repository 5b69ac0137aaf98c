/// An IPv4 or IPv6 network for the `cidr` modifier, and the byte-level address parser events use.
///
/// Addresses are held as 128-bit values; IPv4 networks match IPv4 addresses only (and IPv4-mapped
/// IPv6 addresses `::ffff:a.b.c.d`, which are the same host).
struct IPNetwork: Hashable, Sendable {
    var isIPv4: Bool
    var address: (high: UInt64, low: UInt64)
    var prefixLength: Int

    static func == (a: IPNetwork, b: IPNetwork) -> Bool {
        a.isIPv4 == b.isIPv4 && a.address == b.address && a.prefixLength == b.prefixLength
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(isIPv4)
        hasher.combine(address.high)
        hasher.combine(address.low)
        hasher.combine(prefixLength)
    }

    /// Parses `a.b.c.d/n`, `x:y::z/n` or a bare address (a host network).
    init?(parsing text: String) {
        let pieces = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let bytes = Array(pieces[0].utf8)
        guard let parsed = bytes.withUnsafeBytes({ IPNetwork.parseAddress($0) }) else { return nil }
        let maxLength = parsed.isIPv4 ? 32 : 128
        var length = maxLength
        if pieces.count == 2 {
            guard let n = Int(pieces[1]), n >= 0, n <= maxLength, pieces[1].allSatisfy(\.isASCII) else { return nil }
            length = n
        }
        self.isIPv4 = parsed.isIPv4
        self.prefixLength = parsed.isIPv4 ? length + 96 : length
        self.address = IPNetwork.masked(parsed.value, prefixLength: self.prefixLength)
    }

    /// Whether the address written in `bytes` lies in this network (false when it is no address).
    func contains(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let parsed = IPNetwork.parseAddress(bytes) else { return false }
        var value = parsed.value
        if isIPv4 && !parsed.isIPv4 {
            // ::ffff:a.b.c.d is an IPv4 host written as IPv6.
            guard value.high == 0, value.low >> 32 == 0xFFFF else { return false }
            value.low &= 0xFFFF_FFFF
        } else if !isIPv4 && parsed.isIPv4 {
            return false
        }
        return IPNetwork.masked(value, prefixLength: prefixLength) == address
    }

    static func masked(_ value: (high: UInt64, low: UInt64), prefixLength: Int) -> (high: UInt64, low: UInt64) {
        let highMask: UInt64 = prefixLength >= 64 ? .max : (prefixLength == 0 ? 0 : ~(UInt64.max >> prefixLength))
        let lowLength = prefixLength - 64
        let lowMask: UInt64 = lowLength >= 64 ? .max : (lowLength <= 0 ? 0 : ~(UInt64.max >> lowLength))
        return (value.high & highMask, value.low & lowMask)
    }

    /// Parses an IPv4 address (as `::a.b.c.d`'s low 32 bits) or an IPv6 address.
    static func parseAddress(_ bytes: UnsafeRawBufferPointer) -> (isIPv4: Bool, value: (high: UInt64, low: UInt64))? {
        if bytes.isEmpty { return nil }
        if !bytes.contains(UInt8(ascii: ":")) {
            guard let v4 = parseIPv4(bytes) else { return nil }
            return (true, (0, UInt64(v4)))
        }
        guard let v6 = parseIPv6(bytes) else { return nil }
        return (false, v6)
    }

    static func parseIPv4(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        var result: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for b in bytes {
            if b >= 0x30 && b <= 0x39 {
                octet = octet * 10 + UInt32(b - 0x30)
                digits += 1
                if digits > 3 || octet > 255 { return nil }
            } else if b == UInt8(ascii: ".") {
                if digits == 0 || dots == 3 { return nil }
                result = result << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            } else {
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return result << 8 | octet
    }

    /// Parses an IPv6 address (with `::` and an embedded IPv4 tail); allocates nothing (the
    /// prefilter parses every value of a `cidr` field).
    static func parseIPv6(_ bytes: UnsafeRawBufferPointer) -> (high: UInt64, low: UInt64)? {
        var groups = SIMD8<UInt16>()
        var count = 0
        var gapIndex = -1
        let n = bytes.count
        var i = 0
        if n >= 2 && bytes[0] == UInt8(ascii: ":") && bytes[1] == UInt8(ascii: ":") {
            gapIndex = 0
            i = 2
        }
        while i < n {
            // An embedded IPv4 tail (::ffff:1.2.3.4).
            var j = i
            var sawDot = false
            while j < n && bytes[j] != UInt8(ascii: ":") {
                if bytes[j] == UInt8(ascii: ".") { sawDot = true }
                j += 1
            }
            if sawDot {
                guard j == n, count <= 6, let v4 = parseIPv4(UnsafeRawBufferPointer(rebasing: bytes[i..<n])) else { return nil }
                groups[count] = UInt16(v4 >> 16)
                groups[count + 1] = UInt16(v4 & 0xFFFF)
                count += 2
                i = n
                break
            }
            guard j > i, j - i <= 4, count < 8 else { return nil }
            var group: UInt16 = 0
            for k in i..<j {
                guard let digit = hexValue(bytes[k]) else { return nil }
                group = group << 4 | UInt16(digit)
            }
            groups[count] = group
            count += 1
            i = j
            if i < n {
                i += 1  // the ':'
                if i < n && bytes[i] == UInt8(ascii: ":") {
                    if gapIndex >= 0 { return nil }
                    gapIndex = count
                    i += 1
                } else if i == n {
                    return nil
                }
            }
        }
        if gapIndex >= 0 {
            guard count < 8 else { return nil }
            // The groups after the gap move to the end; the gap is zeros.
            var expanded = SIMD8<UInt16>()
            for k in 0..<gapIndex { expanded[k] = groups[k] }
            for k in gapIndex..<count { expanded[k + 8 - count] = groups[k] }
            groups = expanded
            count = 8
        }
        guard count == 8 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for k in 0..<4 { high = high << 16 | UInt64(groups[k]) }
        for k in 4..<8 { low = low << 16 | UInt64(groups[k]) }
        return (high, low)
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x61...0x66: b - 0x61 + 10
        case 0x41...0x46: b - 0x41 + 10
        default: nil
        }
    }
}
