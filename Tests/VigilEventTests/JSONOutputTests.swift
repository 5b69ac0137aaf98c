import Testing
import VigilEvent

@Suite struct JSONOutputTests {
    private func render(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { JSONOutput.appendString($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func escapesControlAndQuotes() {
        #expect(render(Array("a\"b\\c\n\t\u{1}".utf8)) == #""a\"b\\c\n\t\u0001""#)
    }

    @Test func keepsValidUTF8AndRepairsInvalid() {
        #expect(render(Array("Grüße €".utf8)) == "\"Grüße €\"")
        #expect(render([0x61, 0xFF, 0x62, 0xC3]) == "\"a\u{FFFD}b\u{FFFD}\"")
        // An encoded surrogate (ED A0 80) is not valid UTF-8.
        #expect(render([0xED, 0xA0, 0x80]) == "\"\u{FFFD}\u{FFFD}\u{FFFD}\"")
    }

    @Test func eventJSONGathersRepeatedFieldsAndPrefersDecoded() {
        let text = Array("hello a b 1 x".utf8)
        var batch = EventBatch(source: SourceID(0), receiveTime: Timestamp(seconds: 0), bytes: text)
        var event = Event(source: SourceID(0), sequence: 0, receiveTime: Timestamp(seconds: 0), raw: ByteRange(start: 0, end: text.count))
        event.message = ByteRange(start: 0, end: 5)
        let tag = Symbol("tags"), n = Symbol("n")
        event.fields = batch.appendFields([
            Field(name: tag, value: ByteRange(start: 6, end: 7)),
            Field(name: tag, value: ByteRange(start: 8, end: 9)),
            Field(name: n, value: ByteRange(start: 12, end: 13)),
        ])
        event.decodedFields = batch.appendFields([Field(name: n, value: ByteRange(start: 10, end: 11), kind: .number)])
        batch.events.append(event)
        let json = batch.json(of: event)
        #expect(json.contains(#""fields":{"tags":["a","b"],"n":1}"#))
        #expect(json.hasPrefix(#"{"time":"1970-01-01T00:00:00Z","host":null"#))
        #expect(batch.field(n, of: event)?.kind == .number)
    }
}
