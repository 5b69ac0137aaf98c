import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilCorrelate

/// Issue 12's bounds on correlation state, unit by unit: the digest long values are kept as, the
/// per-instant window entries, the live-byte accounting and the eviction choice.
@Suite struct StateBudgetTests {
    /// SipHash-2-4-128 reference vectors (key 00..0f, message 00..n-1), as the reference C code's
    /// `vectors_sip128` lists them.
    @Test(arguments: [
        (0, "a3817f04ba25a8e66df67214c7550293"),
        (1, "da87c1d86b99af44347659119b22fc45"),
    ])
    func digestMatchesTheReference(length: Int, expected: String) {
        let message = (0..<length).map { UInt8($0) }
        let (first, second) = message.withUnsafeBytes {
            KeyDigest.digest($0, k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
        }
        var hex = ""
        for word in [first, second] {
            for byte in 0..<8 {
                let value = UInt8((word >> UInt64(8 * byte)) & 0xFF)
                hex += (value < 16 ? "0" : "") + String(value, radix: 16)
            }
        }
        #expect(hex == expected)
    }

    static func bounded(_ text: String) -> (String, Bool) {
        var out: [UInt8] = []
        let shortened = Array(text.utf8).withUnsafeBytes { GroupKey.appendBounded($0, to: &out) }
        return (String(decoding: out, as: UTF8.self), shortened)
    }

    @Test func longValuesKeepAPrefixAndADigestOfTheWholeFoldedValue() {
        let short = Self.bounded("Bob")
        #expect(short == ("bob", false))
        let exact = String(repeating: "a", count: GroupKey.maxStoredValueBytes)
        #expect(Self.bounded(exact) == (exact, false))
        let (long, shortened) = Self.bounded("ALICE" + String(repeating: "x", count: 60_000))
        #expect(shortened && long.hasPrefix("alicexxx") && long.contains("…#"))
        #expect(long.utf8.count == GroupKey.storedPrefixBytes + 4 + 32)
        // Case folds before the digest: one group. One byte apart at the end: two groups.
        #expect(Self.bounded("alice" + String(repeating: "X", count: 60_000)).0 == long)
        #expect(Self.bounded("alice" + String(repeating: "x", count: 59_999) + "y").0 != long)
        // A cut inside a multi-byte character moves back to its start: the prefix stays UTF-8.
        let (greek, _) = Self.bounded("a" + String(repeating: "σ", count: 300))
        #expect(greek.unicodeScalars.allSatisfy { $0 != "\u{FFFD}" })
    }

    /// 16,000 events of one instant cost ten window entries; the count is exact and the evidence is the
    /// instant's first ten events, as one entry per event gave.
    @Test func anInstantKeepsTenEntriesAndCountsTheRest() {
        var state = EventCountState(span: 60_000_000_000, threshold: CorrelationThreshold([.init(.gte, 5)]), keptPerInstant: 10)
        state.grow(slots: 1, reserve: 0)
        state.reset(0)
        var context = EvaluationContext(evidenceLimit: 10)
        let events = (1...16_000).map { RunEvent(slots: 1, value: nil, number: .nan, ref: UInt32($0)) }
        let window = state.add(events, group: 0, time: 1_000, context: &context)
        #expect(window?.metric == 16_000 && window?.inputs == 16_000)
        #expect(context.evidence == Array(1...10).map { UInt32($0) })
        #expect(state.pool.liveEntries == 9)  // the tenth is the group's first, kept outside the pool
        // A later instant: 3 more. Then the first instant leaves the window: exactly 3 remain.
        context.evidence.removeAll()
        #expect(state.add(Array(events.prefix(3)), group: 0, time: 30_000_000_000, context: &context)?.metric == 16_003)
        context.evidence.removeAll()
        let later = state.add([events[0]], group: 0, time: 61_000_000_000, context: &context)
        #expect(later == nil && state.count(0) == 4)
    }

    /// Sums and averages fold an instant's values beyond ten into its last entry: same metric.
    @Test(arguments: [true, false])
    func numericInstantsFoldIntoTheirLastEntry(average: Bool) {
        let threshold = CorrelationThreshold([.init(.gte, 0)])
        var folded = NumericState(span: 10, threshold: threshold, aggregate: average ? .average : .sum, keptPerInstant: 10)
        var whole = NumericState(span: 10, threshold: threshold, aggregate: average ? .average : .sum, keptPerInstant: 100_000)
        folded.grow(slots: 1, reserve: 0)
        whole.grow(slots: 1, reserve: 0)
        folded.reset(0)
        whole.reset(0)
        var context = EvaluationContext(evidenceLimit: 10)
        for t in 0..<30 {
            let events = (0..<(t % 7 == 0 ? 500 : 3)).map {
                RunEvent(slots: 1, value: nil, number: Double(($0 * 7 + t) % 13), ref: UInt32($0 + 1))
            }
            let a = folded.add(events, group: 0, time: Int64(t), context: &context)
            let b = whole.add(events, group: 0, time: Int64(t), context: &context)
            #expect(a?.metric == b?.metric && a?.inputs == b?.inputs, "t=\(t)")
            context.evidence.removeAll()
        }
        #expect(folded.liveBytes(groups: 1) < whole.liveBytes(groups: 1))
    }

    @Test(arguments: [("512M", 512 << 20), ("1G", 1 << 30), ("64K", 64 << 10), ("4096", 4096), ("2GiB", 2 << 30), ("10MB", 10 << 20)])
    func sizesAreRead(text: String, bytes: Int) {
        #expect(ByteSizeText.parse(text) == bytes)
    }

    @Test(arguments: ["", "M", "-1M", "1.5G", "12X", "99999999999T"])
    func badSizesAreRefused(text: String) {
        #expect(ByteSizeText.parse(text) == nil)
    }
}
