import Testing
import VigilAlert
import VigilTestSupport

@Suite struct AlertLinesTests {
    @Test func filteringByTierKeepsOrderAndBytes() {
        var lines = AlertLines()
        for (tier, text) in [(1, "a"), (3, "b"), (2, "c")] {
            lines.append(tier: tier) { $0.append(contentsOf: #"{"x":"\#(text)"}"#.utf8) }
        }
        let kept = lines.filtered(minimumTier: 2)
        #expect(kept.count == 2)
        #expect(kept.json(at: 0) == #"{"x":"b"}"#)
        #expect(kept.json(at: 1) == #"{"x":"c"}"#)
        #expect(String(decoding: kept.bytes, as: UTF8.self) == "{\"x\":\"b\"}\n{\"x\":\"c\"}\n")
        #expect(lines.filtered(minimumTier: 1).count == 3)
    }
}
