/// A run of finished alerts in output order: each one JSON object and a newline, with its tier.
///
/// What the sequencer hands every output. One buffer per run of alerts instead of one array per alert:
/// outputs take alerts in batches and copy nothing to filter them by tier.
public struct AlertLines: Sendable {
    /// The alerts, each a JSON object followed by `\n`.
    public private(set) var bytes: [UInt8] = []
    /// Where each alert ends in ``bytes`` (just past its newline).
    public private(set) var ends: [Int] = []
    /// Each alert's tier, 1 (triage) to 3 (incident).
    public private(set) var tiers: [UInt8] = []

    public init() {}

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    /// Appends one alert: `render` appends its JSON object (no newline) to the buffer it is given.
    public mutating func append(tier: Int, _ render: (inout [UInt8]) -> Void) {
        render(&bytes)
        bytes.append(0x0A)
        ends.append(bytes.count)
        tiers.append(UInt8(clamping: tier))
    }

    /// Appends alert `index` of `other`.
    public mutating func append(_ other: AlertLines, at index: Int) {
        bytes.append(contentsOf: other.bytes[other.range(of: index)])
        ends.append(bytes.count)
        tiers.append(other.tiers[index])
    }

    /// Appends every alert of `other`.
    public mutating func append(contentsOf other: AlertLines) {
        let base = bytes.count
        bytes.append(contentsOf: other.bytes)
        ends.append(contentsOf: other.ends.lazy.map { $0 + base })
        tiers.append(contentsOf: other.tiers)
    }

    /// The bytes of alert `index`, its newline included.
    public func range(of index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }

    /// The alert `index` as JSON text, without its newline.
    public func json(at index: Int) -> String {
        let range = self.range(of: index)
        return String(decoding: bytes[range.lowerBound..<(range.upperBound - 1)], as: UTF8.self)
    }

    public func tier(at index: Int) -> Int { Int(tiers[index]) }

    /// The alerts of tier `minimum` and above (self when all are).
    public func filtered(minimumTier minimum: Int) -> AlertLines {
        guard tiers.contains(where: { Int($0) < minimum }) else { return self }
        var kept = AlertLines()
        for index in 0..<count where Int(tiers[index]) >= minimum { kept.append(self, at: index) }
        return kept
    }

    /// Removes everything, keeping the buffers' capacity.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        tiers.removeAll(keepingCapacity: true)
    }
}
