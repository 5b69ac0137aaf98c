import Testing
import VigilEvent

@testable import VigilIngest

/// Every ``ParseFailure/Reason`` is reachable, keeps the message as raw text (except a broken `@cee:`
/// payload, whose syslog event stays parsed) and points at the byte where parsing stopped.
@Suite struct FailureReasonTests {
    static let long = String(repeating: "x", count: 300)

    /// reason → (input, forced format or nil for auto, expected offset). Framing reasons come from the
    /// framer through ``RawBatch/framingFailures``.
    static let inputs: [ParseFailure.Reason: (String, EventFormat?, Int)] = [
        .emptyMessage: ("", nil, 0),
        .invalidPriority: ("<192>Mar  1 00:00:00 h a: m", nil, 4),
        .invalidVersion: ("<13>0 - - - - - -", nil, 4),
        .invalidTimestamp: ("<13>1 2024-13-01T00:00:00Z - - - - -", nil, 11),
        .invalidHostname: ("<13>1 - \(long) - - - -", nil, 264),
        .invalidAppName: ("<13>1 - - \(String(long.prefix(49))) - - -", nil, 59),
        .invalidProcID: ("<13>1 - - - \(String(long.prefix(129))) - -", nil, 141),
        .invalidMsgID: ("<13>1 - - - - \(String(long.prefix(33))) -", nil, 47),
        .invalidStructuredData: ("<13>1 - - - - - [id a=\"1\"", nil, 25),
        .invalidMessageEncoding: ("<13>1 - - - - - - \u{FEFF}ok\u{FFFF}", nil, 0),
        .missingHeaderField: ("<13>1 - - -", nil, 11),
        .invalidJSON: ("{\"a\":}", nil, 5),
        .jsonNotObject: ("[1,2]", .json, 0),
        .truncatedFrame: ("<13>1 - - - - - - partial", nil, 7),
        .oversizeMessage: ("<13>1 - - - - - - cut", nil, 65536),
        .invalidCEEPayload: ("<13>Jan  1 00:00:00 h a: @cee: {", nil, 32),
        .timeOutOfRange: ("<13>1 2262-04-12T00:00:00Z h a - - - m", nil, 6),
    ]

    @Test(arguments: ParseFailure.Reason.allCases)
    func reasonIsReachable(reason: ParseFailure.Reason) throws {
        let (input, forced, offset) = try #require(Self.inputs[reason], "no input for \(reason.name)")
        var bytes = Array(input.utf8)
        if reason == .invalidMessageEncoding { bytes = Array("<13>1 - - - - - - ".utf8) + [0xEF, 0xBB, 0xBF, 0x6F, 0xFF] }
        var raw = rawBatch([bytes])
        if reason == .truncatedFrame || reason == .oversizeMessage { raw.framingFailures = [(0, ParseFailure(reason, at: offset))] }
        var options = ParserOptions(strictMessageEncoding: true)
        if let forced { options.format = .forced(forced) }
        var parser = BatchParser(options: options)
        let batch = parser.parse(raw)
        let event = batch.events[0]
        let expectedOffset = reason == .invalidMessageEncoding ? 22 : offset
        #expect(event.parseFailure == ParseFailure(reason, at: expectedOffset), "\(event.parseFailure.map(\.description) ?? "none")")
        if reason == .invalidCEEPayload {
            // The syslog message parsed; only its payload did not: the event stays syslog, without fields.
            #expect(event.format == .rfc3164 && batch.string(event.host) == "h" && batch.fields.isEmpty)
            return
        }
        #expect(event.format == .raw)
        #expect(event.host == nil && event.app == nil && event.facility == nil && event.fields.isEmpty && !event.hasOwnTime)
        #expect(batch.withBytes(event.message!) { Array($0) } == bytes)
        #expect(batch.fields.isEmpty)
    }

    @Test(arguments: ["plain text", "<html>", "[1,2]", "May the force", "2024 was a year", " leading space", "{"])
    func textThatLooksLikeNothingIsRawWithoutFailure(line: String) {
        let (batch, event) = parseOne(line)
        #expect(event.format == .raw)
        #expect(batch.string(event.message) == line)
        if line == "{" {
            #expect(event.parseFailure?.reason == .invalidJSON)
        } else {
            #expect(event.parseFailure == nil)
        }
    }

    @Test func failuresDoNotStopTheBatch() {
        let batch = parse(["<999>x", "", "{\"a\":1}", "<13>1 - - - - - [", "Mar  1 00:00:00 h a: ok"])
        #expect(batch.events.map(\.format) == [.raw, .raw, .json, .raw, .rfc3164])
        #expect(batch.events.map { $0.parseFailure?.reason } == [.invalidPriority, .emptyMessage, nil, .invalidStructuredData, nil])
        #expect(batch.events.map(\.sequence) == [0, 1, 2, 3, 4])
        #expect(batch.fields.count == 1)
    }
}
