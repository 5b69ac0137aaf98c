import Testing

@testable import VigilStore

/// What the store reads out of an alert line, and the lines it refuses.
@Suite struct AlertRecordTests {
    static func parse(_ text: String) throws(AlertRecord.Invalid) -> AlertRecord { try AlertRecord.parse(Array(text.utf8)[...]) }

    @Test func membersAreReadAndStringsUnescaped() throws {
        let text = #"""
             {"id":"0123456789abcdef0123456789abcdef","kind":"health","time":"2026-03-01T00:00:00Z","detected_at":"2026-03-01T00:00:01.5Z",
             "tier":3,"rule":{"id":"vigil-health-events_dropped","name":"n\"q","title":"Dropped \u00e9\ud83d\ude00\/","level":"critical",
             "tags":["a",{"x":[1,-2.5e+3,true,false,null]}]},"entity":{"z":"1","a\n":null,"m":"\\"},"host":"h\u0000",
             "episode":{"id":9007199254740991,"state":"updated","count":12,"first_seen":"x","last_seen":"y"},"events":[]}
            """#
        let record = try Self.parse(text)
        #expect(record.id == "0123456789abcdef0123456789abcdef")
        #expect(record.kind == "health")
        #expect(record.time == TestAlert.base * 1_000_000_000)
        #expect(record.detectedAt == TestAlert.base * 1_000_000_000 + 1_500_000_000)
        #expect(record.tier == 3)
        #expect(record.ruleID == "vigil-health-events_dropped")
        #expect(record.ruleName == "n\"q")
        #expect(record.ruleTitle == "Dropped é😀/")
        #expect(record.level == "critical")
        #expect(record.entity == #"{"a\n":null,"m":"\\","z":"1"}"#)
        #expect(record.host == "h\u{0}")
        #expect(record.episodeID == 9_007_199_254_740_991)
        #expect(record.state == "updated")
        #expect(record.count == 12)
        #expect(record.json == text)
    }

    @Test func defaultsForWhatAnAlertMayLack() throws {
        let record = try Self.parse(#"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"}}"#)
        #expect(record.episodeID < 0)
        #expect(record.episodeID == AlertRecord.episodeID(ofAlert: "ab"))
        #expect(record.state == "opened")
        #expect(record.count == 1)
        #expect(record.tier == 1)
        #expect(record.entity == "{}")
        #expect(record.detectedAt == record.time)
        #expect(record.ruleTitle == "r")
    }

    static let refused = [
        "", "garbage", "[]", "{", #"{"id":"ab"}"#, #"{"id":"ab","time":"2026-03-01T00:00:00Z"}"#,
        #"{"id":"ab","time":"yesterday","rule":{"id":"r"}}"#,
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"}} trailing"#,
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"},"x":tru}"#,
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"},"x":01}"#,
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"},"x":"\q"}"#,
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"},"x":[1,]}"#,
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"},"tier":1.5}"#,
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"},"x":"\#u{1}"}"#,
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"},"x":"unterminated}"#,
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"},"x":"#,
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"},"episode":{"id":99999999999999999999}}"#,
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"},"x":"# + String(repeating: "[", count: 100_000),
        #"{"id":"ab","time":"2026-03-01T00:00:00Z","rule":{"id":"r"},"x":"# + String(repeating: "[", count: 300)
            + String(repeating: "]", count: 300) + "}",
    ]

    @Test(arguments: refused)
    func aLineThatIsNotAnAlertIsRefused(text: String) {
        #expect(throws: AlertRecord.Invalid.self) { try Self.parse(text) }
    }
}
