import VigilEvent

/// A test case that did not decode as expected.
public struct DecoderTestFailure: Sendable, CustomStringConvertible {
    public var testCase: DecoderTestCase
    /// What differed, one line each (`expected decoder 'a', got 'b'`, `missing field user=root`, ...).
    public var problems: [String]

    /// `file:line: test failed: problem; problem`
    public var description: String {
        "\(testCase.file):\(testCase.line): test failed: \(problems.joined(separator: "; "))"
    }
}

/// Runs the test cases embedded in decoder files through a parser and a ``DecoderWorker``.
///
/// The parser is passed in (normally VigilIngest's `BatchParser`), so decoders are tested on exactly the
/// events the pipeline would give them.
public enum DecoderTestRunner {
    /// Runs `cases` (all of the set's own when nil) and returns the failures.
    /// - Parameter parse: turns one input line into a batch holding one event.
    public static func run(
        _ cases: [DecoderTestCase]? = nil, decoders: DecoderSet, parse: (String) -> EventBatch
    ) -> [DecoderTestFailure] {
        var worker = DecoderWorker(decoders: decoders)
        var failures: [DecoderTestFailure] = []
        for testCase in cases ?? decoders.testCases {
            var batch = parse(testCase.input)
            worker.decode(&batch)
            let problems = compare(testCase, batch)
            if !problems.isEmpty { failures.append(DecoderTestFailure(testCase: testCase, problems: problems)) }
        }
        return failures
    }

    /// The decoder name and fields of the first event of a decoded batch.
    public static func decoded(_ batch: EventBatch) -> (decoder: String?, fields: [DecoderTestCase.ExpectedField]) {
        guard let event = batch.events.first else { return (nil, []) }
        let fields = batch.fields[event.decodedFields.range].map {
            DecoderTestCase.ExpectedField(name: $0.name.name, value: batch.string($0.value))
        }
        return (event.decoder?.name, fields)
    }

    static func compare(_ testCase: DecoderTestCase, _ batch: EventBatch) -> [String] {
        guard batch.events.count == 1 else { return ["the line parsed into \(batch.events.count) events, not 1"] }
        let (decoder, fields) = decoded(batch)
        var problems: [String] = []
        if decoder != testCase.expectedDecoder {
            problems.append("expected decoder \(quoted(testCase.expectedDecoder)), got \(quoted(decoder))")
        }
        var unexpected = fields
        for field in testCase.expectedFields {
            if let i = unexpected.firstIndex(of: field) {
                unexpected.remove(at: i)
            } else if let other = unexpected.firstIndex(where: { $0.name == field.name }) {
                problems.append("field \(field.name): expected \(quoted(field.value)), got \(quoted(unexpected[other].value))")
                unexpected.remove(at: other)
            } else {
                problems.append("missing field \(field.name)=\(quoted(field.value))")
            }
        }
        problems += unexpected.map { "unexpected field \($0.name)=\(quoted($0.value))" }
        return problems
    }

    private static func quoted(_ text: String?) -> String {
        guard let text else { return "none" }
        return "'\(text)'"
    }
}
