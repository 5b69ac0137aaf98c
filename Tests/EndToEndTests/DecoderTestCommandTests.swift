import Testing
import VigilTestSupport

/// `vigil test PATH...` on the shipped decoders and on fixtures: exit 0 / 1 / 2.
@Suite struct DecoderTestCommandTests {
    @Test func shippedDecodersPassTheirOwnTests() throws {
        let result = try runVigil(["test", "rules/decoders"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"))
    }

    @Test func aFailingCaseIsReportedWithFileAndLineAndExits1() throws {
        let path = TestPaths.fixture("Decode/vigil-test/failing.yml").path
        let result = try runVigil(["test", path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("\(path):11: test failed: field user: expected 'alice', got 'bob'"))
        #expect(result.stdout.contains("2 test cases in 1 decoder file: 1 passed, 1 failed"))
    }

    @Test func anInvalidFileExits2WithItsPosition() throws {
        let path = TestPaths.fixture("Decode/vigil-test/invalid.yml").path
        let result = try runVigil(["test", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(path):7:25: invalid regex in decoder 'broken': missing closing parenthesis"))
        #expect(result.stdout.isEmpty)
    }
}
