import Testing
import VigilEvent

@testable import VigilIngest

@Suite struct BatchParserTests {
    @Test func trailingCarriageReturnIsNoPartOfTheMessage() {
        let batch = parse(["Mar  1 00:00:01 h a: crlf\r", "plain\r", "\r"])
        #expect(batch.string(batch.events[0].message) == "crlf")
        #expect(batch.string(batch.events[0].raw) == "Mar  1 00:00:01 h a: crlf")
        #expect(batch.string(batch.events[1].message) == "plain")
        #expect(batch.events[2].parseFailure?.reason == .emptyMessage)
    }

    @Test func rawBytesMoveWithoutACopy() {
        var parser = BatchParser()
        var raw = rawBatch([Array("Mar  1 00:00:01 h a: m".utf8), Array(#"{"a":"plain"}"#.utf8)])
        let before = raw.bytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        let batch = parser.parse(raw)
        raw = rawBatch([])
        let after = batch.bytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        #expect(before == after)
    }

    @Test func sequenceNumbersAndSourceComeFromTheRawBatch() {
        var raw = rawBatch(["a", "b", "c"].map { Array($0.utf8) })
        raw.firstSequence = 100
        raw.source = SourceID(7)
        var parser = BatchParser()
        let batch = parser.parse(raw)
        #expect(batch.events.map(\.sequence) == [100, 101, 102])
        #expect(batch.events.allSatisfy { $0.source == SourceID(7) && $0.receiveTime == testReceiveTime })
    }

    @Test func forcedRawSkipsParsing() {
        let batch = parse(["<13>1 - - - - - - x", "{\"a\":1}", ""], options: ParserOptions(format: .forced(.raw)))
        #expect(batch.events.map(\.format) == [.raw, .raw, .raw])
        #expect(batch.events.map { $0.parseFailure?.reason } == [nil, nil, .emptyMessage])
        #expect(batch.string(batch.events[1].message) == "{\"a\":1}")
    }

    @Test func framingFailuresMakeRawEvents() {
        var raw = rawBatch(["<13>1 - - - - - - ok", "<13>1 - - - - - - cut", "<13>1 - - - - - - ok"].map { Array($0.utf8) })
        raw.framingFailures = [(1, ParseFailure(.oversizeMessage, at: 20))]
        var parser = BatchParser()
        let batch = parser.parse(raw)
        #expect(batch.events.map(\.format) == [.rfc5424, .raw, .rfc5424])
        #expect(batch.events[1].parseFailure == ParseFailure(.oversizeMessage, at: 20))
    }

    @Test func rangesOutsideTheBufferAreClamped() {
        let raw = RawBatch(
            source: SourceID(1), firstSequence: 0, receiveTime: testReceiveTime, bytes: Array("abc".utf8),
            messages: [ByteRange(start: 1, end: 99), ByteRange(start: 50, end: 60)])
        var parser = BatchParser()
        let batch = parser.parse(raw)
        #expect(batch.string(batch.events[0].message) == "bc")
        #expect(batch.events[1].parseFailure?.reason == .emptyMessage)
    }

    @Test func structuredDataBecomesFields() {
        let line =
            #"<165>1 2003-10-11T22:14:15.003Z h evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App\]x"][meta q="a\"b\\c"] msg"#
        let (batch, event) = parseOne(line)
        #expect(event.format == .rfc5424)
        #expect(
            batch.fieldPairs(of: event).map { "\($0.0)=\($0.1)" } == [
                "exampleSDID@32473.iut=3", "exampleSDID@32473.eventSource=App]x", #"meta.q=a"b\c"#,
            ])
        #expect(batch.string(event.msgid) == "ID47" && batch.string(event.message) == "msg")
    }

    @Test func aParserServesManyBatches() {
        var parser = BatchParser()
        for round in 0..<3 {
            let batch = parser.parse(rawBatch([Array(#"{"k":"v\n\#(round)","n":1}"#.utf8), Array("<13>1 - - - - - [a b=\"\\]\"]".utf8)]))
            #expect(batch.values("k", of: batch.events[0]) == ["v\n\(round)"])
            #expect(batch.values("a.b", of: batch.events[1]) == ["]"])
            #expect(batch.events[1].fields.start == 2 && batch.fields.count == 3)
        }
    }
}
