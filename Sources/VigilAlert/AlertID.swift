import VigilEvent

/// An alert's identity: 128 bits, printed as 32 lowercase hex digits.
///
/// Made only from what the alert is about (rule, entity, episode, state; for a detection under `--emit
/// all`, its raw message and how many times that message matched before), never from source ids,
/// sequence numbers, batch cuts or the wall clock: a replay, another `--workers` or a cluster gives the
/// same ids, so a store can recognise an alert it already has.
public struct AlertID: Sendable, Hashable, Comparable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public static func < (a: AlertID, b: AlertID) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// Builds an id from parts, each fed with a separator so that ("ab", "c") and ("a", "bc") differ.
    public struct Hasher {
        // Two FNV-1a lanes with different bases, each finished with MurmurHash3's mixer: stable across
        // processes and releases (Swift's own Hasher is seeded per process, so it cannot be used).
        private var a: UInt64 = FNV1a.basis
        private var b: UInt64 = 0x6c62_272e_07bb_0142

        public init(_ domain: StaticString) {
            domain.withUTF8Buffer { feed($0) }
        }

        public mutating func feed(_ string: String) {
            var string = string
            string.withUTF8 { feed($0) }
        }

        public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
            feed(bytes.bindMemory(to: UInt8.self))
        }

        public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) {
            for byte in bytes {
                a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
                b = (b ^ UInt64(byte)) &* 0x100_0000_01b3
                b = b &+ (b >> 29)
            }
            separate()
        }

        public mutating func feed(_ value: Int64) {
            withUnsafeBytes(of: value.littleEndian) { feed($0) }
        }

        public mutating func feed(_ value: UInt64) {
            withUnsafeBytes(of: value.littleEndian) { feed($0) }
        }

        private mutating func separate() {
            a = (a ^ 0xFF) &* 0x100_0000_01b3
            b = (b ^ 0xFE) &* 0x100_0000_01b3
        }

        public var id: AlertID {
            AlertID(high: FNV1a.mix(a ^ (b >> 1)), low: FNV1a.mix(b &+ a.rotatedLeft(17)))
        }
    }

    /// Appends the 32 hex digits.
    public func appendHex(to out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { hex in
            for word in [high, low] {
                for shift in stride(from: 60, through: 0, by: -4) { out.append(hex[Int((word >> UInt64(shift)) & 0xF)]) }
            }
        }
    }

    public var hex: String {
        var out: [UInt8] = []
        appendHex(to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
