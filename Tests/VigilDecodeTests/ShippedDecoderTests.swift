import Testing
import VigilDecode
import VigilEvent
import VigilTestSupport

/// The decoders under rules/decoders load cleanly and pass the test cases embedded in their files.
@Suite struct ShippedDecoderTests {
    static let loaded = Result { () throws(RuleLoadError) -> DecoderSet in
        try DecoderSet.load(paths: [TestPaths.packageRoot.appendingPathComponent("rules/decoders").path]).decoders
    }

    /// The shipped decoders (a test that needs them fails, with the load errors, when they do not load).
    static func shipped() throws -> DecoderSet {
        try loaded.get()
    }

    @Test func everyPatternIsJITCompiled() throws {
        let decoders = try Self.shipped()
        #expect(decoders.isJITCompiled)
        #expect(decoders.count > 50)
    }

    @Test func embeddedTestCasesPass() throws {
        let decoders = try Self.shipped()
        #expect(decoders.testCases.count > 100)
        let failures = DecoderTestRunner.run(decoders: decoders, parse: SyslogLines.batch)
        for failure in failures { Issue.record("\(failure)") }
    }

    /// Programs such as pam_unix end some lines with a blank that collectors often trim. A line break in
    /// a folded pattern is a mandatory space: put before an optional last part, it made the trimmed
    /// line (`... rhost=198.51.100.20`) fall back to the parent decoder. Every embedded case whose
    /// line ends in a blank must decode the same without it.
    @Test func casesEndingInABlankDecodeTheSameTrimmed() throws {
        let decoders = try Self.shipped()
        let blankEnded = decoders.testCases.filter { $0.input.last == " " }
        #expect(blankEnded.count >= 8)
        var worker = DecoderWorker(decoders: decoders)
        for testCase in blankEnded {
            var trimmed = testCase.input
            while trimmed.last == " " { trimmed.removeLast() }
            var untrimmedBatch = SyslogLines.batch(testCase.input)
            var trimmedBatch = SyslogLines.batch(trimmed)
            worker.decode(&untrimmedBatch)
            worker.decode(&trimmedBatch)
            let untrimmed = DecoderTestRunner.decoded(untrimmedBatch)
            let decoded = DecoderTestRunner.decoded(trimmedBatch)
            #expect(decoded.decoder == untrimmed.decoder, "\(testCase.file):\(testCase.line) trimmed")
            #expect(decoded.fields.sorted() == untrimmed.fields.sorted(), "\(testCase.file):\(testCase.line) trimmed")
        }
    }
}

/// What `vigil parse` prints for a decoded event: the decoder's name and its fields, typed.
@Suite struct DecodedEventJSONTests {
    @Test func normalizedJSONShowsDecoderAndFields() throws {
        var worker = DecoderWorker(decoders: try ShippedDecoderTests.shipped())
        var batch = SyslogLines.batch("Mar  3 10:00:02 web-02 sshd[4102]: Failed password for root from 198.51.100.51 port 51516 ssh2")
        worker.decode(&batch)
        let json = batch.json(of: batch.events[0])
        #expect(json.contains(#""decoder":"sshd-failed""#))
        #expect(
            json.contains(
                #""fields":{"auth_method":"password","user":"root","src_ip":"198.51.100.51","src_port":51516,"ssh_protocol":"ssh2","outcome":"failure"}"#
            ), "\(json)")
    }
}

/// docs/decoders.md documents every decoder and every field name the shipped decoders produce.
@Suite struct DecoderDocumentationTests {
    @Test func everyShippedDecoderAndFieldIsDocumented() throws {
        let decoders = try ShippedDecoderTests.shipped()
        let docs = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/decoders.md"), encoding: .utf8)
        for name in decoders.names { #expect(docs.contains("`\(name)`"), "decoder \(name) is not in docs/decoders.md") }
        for field in decoders.allFieldNames { #expect(docs.contains("`\(field)`"), "field \(field) is not in docs/decoders.md") }
    }
}
