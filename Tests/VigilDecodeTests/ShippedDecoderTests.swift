import Testing
import VigilDecode
import VigilEvent
import VigilTestSupport

/// The decoders under rules/decoders load cleanly and pass the test cases embedded in their files.
@Suite struct ShippedDecoderTests {
    static let decoders: DecoderSet = {
        let path = TestPaths.packageRoot.appendingPathComponent("rules/decoders").path
        do {
            return try DecoderSet.load(paths: [path]).decoders
        } catch {
            fatalError("shipped decoders do not load:\n\(error)")
        }
    }()

    @Test func everyPatternIsJITCompiled() {
        #expect(Self.decoders.isJITCompiled)
        #expect(Self.decoders.count > 50)
    }

    @Test func embeddedTestCasesPass() {
        let cases = Self.decoders.testCases
        #expect(cases.count > 100)
        let failures = DecoderTestRunner.run(decoders: Self.decoders, parse: SyslogLines.batch)
        for failure in failures { Issue.record("\(failure)") }
    }
}
