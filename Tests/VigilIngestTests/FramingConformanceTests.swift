import Foundation
import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilIngest

/// go-syslog's RFC 6587 stream tables (octet counting: 17 cases, non-transparent: 10), strict results.
///
/// Each input is fed as one TCP stream (whole, and again one byte per feed: the results must not
/// change) and every frame is parsed as RFC 5424. A result is a message (compared field by field, as
/// in ``RFC5424ConformanceTests``) or an error: a disconnect, a frame the framer flagged, or a frame that
/// fails to parse. go-syslog's strict octet-counting parser stops at the first error, so there vigil's
/// results are compared up to and including their first error (vigil's framer goes on). Differences: Tests/Fixtures/Ingest/go-syslog-framing-differences.txt.
@Suite struct FramingConformanceTests {
    enum Outcome: Equatable {
        case message(aspectsDiffering: [String])
        case error
    }

    struct StreamCase: Sendable, CustomTestStringConvertible {
        var id: String
        var input: [UInt8]
        var maxLength: Int
        var strict: [[String: any Sendable]]
        var testDescription: String { id }
    }

    static func cases() throws -> [StreamCase] {
        var all: [StreamCase] = []
        for file in ["octetcounting", "nontransparent"] {
            let data = try Data(contentsOf: TestPaths.shared("syslog-vectors/go-syslog/\(file)_cases.json"))
            let list = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
            for (n, c) in list.enumerated() {
                all.append(
                    StreamCase(
                        id: "\(file):\(n)", input: Array(try #require(Data(base64Encoded: c["input_base64"] as! String))),
                        maxLength: c["max_message_length"] as? Int ?? 64 * 1024,
                        strict: (c["results_strict"] as! [[String: Any]]).map(GoSyslog.sendable)))
            }
        }
        return all
    }

    /// Frames `input` (in pieces of `chunk` bytes) and parses every frame; stops at the first error.
    static func outcomes(
        _ input: [UInt8], maxLength: Int, chunk: Int, stopAtError: Bool, expected: [[String: any Sendable]]
    ) -> [Outcome] {
        var framer = SyslogFramer(maxMessageSize: maxLength)
        var frames: [([UInt8], ParseFailure?)] = []
        var disconnected = false
        input.withUnsafeBytes { all in
            var i = 0
            while i < all.count && !disconnected {
                let piece = UnsafeRawBufferPointer(rebasing: all[i..<min(all.count, i + chunk)])
                if case .disconnect = framer.feed(piece, emit: { frames.append((Array($0.bytes), $0.failure)) }) { disconnected = true }
                i += chunk
            }
        }
        if !disconnected { framer.finish { frames.append((Array($0.bytes), $0.failure)) } }
        var results: [Outcome] = []
        var parser = BatchParser(options: ParserOptions(format: .forced(.rfc5424)))
        for (bytes, failure) in frames {
            var raw = rawBatch([bytes])
            if let failure { raw.framingFailures = [(0, failure)] }
            let batch = parser.parse(raw)
            let event = batch.events[0]
            if event.format != .rfc5424 {
                results.append(.error)
                if stopAtError { return results }
                continue
            }
            let index = results.count
            let reference = index < expected.count ? (expected[index]["message"] as? [String: any Sendable]) ?? [:] : [:]
            results.append(.message(aspectsDiffering: RFC5424ConformanceTests.fieldDisagreements(batch, event, reference)))
        }
        if disconnected { results.append(.error) }
        return results
    }

    @Test func goSyslogStreams() throws {
        let all = try Self.cases()
        #expect(all.count == 27)
        var found: [String: String] = [:]
        for c in all {
            let expected: [Outcome] = c.strict.map { $0["message"] is [String: any Sendable] ? .message(aspectsDiffering: []) : .error }
            let stop = c.id.hasPrefix("octet")
            let whole = Self.outcomes(c.input, maxLength: c.maxLength, chunk: max(1, c.input.count), stopAtError: stop, expected: c.strict)
            let byteByByte = Self.outcomes(c.input, maxLength: c.maxLength, chunk: 1, stopAtError: stop, expected: c.strict)
            #expect(whole == byteByByte, "\(c.id): feeding byte by byte changed the results")
            if whole != expected { found["\(c.id) results"] = "\(whole) vs \(expected)" }
        }
        try DisagreementFixture("Ingest/go-syslog-framing-differences.txt").expectMatches(found)
    }
}
