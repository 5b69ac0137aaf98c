/// The networks of a route's `cidr` tests on one value source, indexed by prefix: an address finds
/// every network that contains it with one hash probe per distinct prefix length (IPv4 networks of
/// `/24` rules: one probe), whatever the number of networks. Immutable; shared by workers.
///
/// A network is found exactly when ``IPNetwork/contains(_:)`` holds: IPv4 networks contain IPv4
/// addresses and IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`), IPv6 networks IPv6 addresses.
final class NetworkIndex: Sendable {
    /// Distinct prefix lengths (of the 128-bit form) of the IPv4 and of the IPv6 networks.
    private let lengthsV4: [Int]
    private let lengthsV6: [Int]
    /// Open addressing: per slot the masked address, the key's prefix length and family (`meta`,
    /// 0 = empty slot) and the reported index.
    private let high: [UInt64]
    private let low: [UInt64]
    private let meta: [UInt32]
    private let reported: [Int32]

    var isEmpty: Bool { lengthsV4.isEmpty && lengthsV6.isEmpty }

    /// Indexes `networks`; network `i` is reported as `offset + i`. The networks are distinct.
    init(_ networks: [IPNetwork], offset: Int32) {
        var size = 16
        while size < networks.count * 2 { size *= 2 }
        var high = [UInt64](repeating: 0, count: size)
        var low = [UInt64](repeating: 0, count: size)
        var meta = [UInt32](repeating: 0, count: size)
        var reported = [Int32](repeating: 0, count: size)
        var lengthsV4 = Set<Int>()
        var lengthsV6 = Set<Int>()
        for (index, network) in networks.enumerated() {
            if network.isIPv4 { lengthsV4.insert(network.prefixLength) } else { lengthsV6.insert(network.prefixLength) }
            let key = NetworkIndex.meta(isIPv4: network.isIPv4, prefixLength: network.prefixLength)
            var slot = NetworkIndex.slot(network.address.high, network.address.low, key, mask: size - 1)
            while meta[slot] != 0 { slot = (slot + 1) & (size - 1) }
            high[slot] = network.address.high
            low[slot] = network.address.low
            meta[slot] = key
            reported[slot] = offset + Int32(index)
        }
        self.lengthsV4 = lengthsV4.sorted(by: >)
        self.lengthsV6 = lengthsV6.sorted(by: >)
        self.high = high
        self.low = low
        self.meta = meta
        self.reported = reported
    }

    @inline(__always)
    private static func meta(isIPv4: Bool, prefixLength: Int) -> UInt32 {
        UInt32(prefixLength + 1) | (isIPv4 ? 0x100 : 0)
    }

    @inline(__always)
    private static func slot(_ high: UInt64, _ low: UInt64, _ meta: UInt32, mask: Int) -> Int {
        let mixed = (high &* 0x9E37_79B9_7F4A_7C15) ^ (low &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(meta) &* 0x1656_67B1_9E37_79F9
        return Int(truncatingIfNeeded: (mixed ^ (mixed >> 29)) >> 7) & mask
    }

    /// Appends to `found` the index of every network containing the address written in `text` (none
    /// when it is no address). Allocates nothing once `found` has grown.
    func lookup(_ text: UnsafeRawBufferPointer, into found: inout [Int32]) {
        guard let parsed = IPNetwork.parseAddress(text) else { return }
        if parsed.isIPv4 {
            probe(lengthsV4, parsed.value, isIPv4: true, &found)
            return
        }
        probe(lengthsV6, parsed.value, isIPv4: false, &found)
        if parsed.value.high == 0 && parsed.value.low >> 32 == 0xFFFF {
            probe(lengthsV4, (0, parsed.value.low & 0xFFFF_FFFF), isIPv4: true, &found)
        }
    }

    @inline(__always)
    private func probe(_ lengths: [Int], _ value: (high: UInt64, low: UInt64), isIPv4: Bool, _ found: inout [Int32]) {
        let mask = meta.count - 1
        for length in lengths {
            let key = IPNetwork.masked(value, prefixLength: length)
            let wanted = NetworkIndex.meta(isIPv4: isIPv4, prefixLength: length)
            var slot = NetworkIndex.slot(key.high, key.low, wanted, mask: mask)
            while meta[slot] != 0 {
                if meta[slot] == wanted && high[slot] == key.high && low[slot] == key.low {
                    found.append(reported[slot])
                    break
                }
                slot = (slot + 1) & mask
            }
        }
    }
}
