import ArgumentParser
import Foundation
import VigilDecode
import VigilEvent
import VigilIngest
import VigilPipeline

/// `vigil test PATH...`: runs the test cases embedded in decoder files through the parser and the decoders.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the test cases embedded in decoder files.",
        discussion: """
            Loads the decoder files (all of them, so that children can name parents in other files), \
            parses each test case's log line as `vigil run` would, decodes it, and compares the decoder \
            name and the fields with the case's expectations. Prints each failure as \
            FILE:LINE: test failed: ...

            Exit status: 0 when every case passes, 1 when any fails, 2 when a decoder file is invalid.
            """
    )

    @Argument(help: "Decoder files or directories (default: the shipped rules/decoders).")
    var paths: [String] = []

    @Flag(name: .shortAndLong, help: "Also list the cases that pass.")
    var verbose = false

    func run() throws {
        var paths = self.paths
        if paths.isEmpty {
            let shipped = ShippedRules.standard
            guard let found = shipped.locate(ShippedRules.decoders) else {
                standardError("vigil test: no \(ShippedRules.decoders)/ in \(shipped.searchedText); name decoder files or directories")
                throw ExitCode(2)
            }
            paths = [found]
        }
        let decoders: DecoderSet
        do {
            decoders = try DecoderSet.load(paths: paths).decoders
        } catch {
            for diagnostic in error.diagnostics { standardError("\(diagnostic)") }
            throw ExitCode(2)
        }
        var parser = BatchParser()
        let receiveTime = Timestamp(seconds: Int64(Date().timeIntervalSince1970))
        let cases = decoders.testCases
        let failures = DecoderTestRunner.run(cases, decoders: decoders) { line in
            let bytes = Array(line.utf8)
            let raw = RawBatch(
                source: SourceID(0), firstSequence: 0, receiveTime: receiveTime, bytes: bytes,
                messages: [ByteRange(start: 0, count: bytes.count)])
            return parser.parse(raw)
        }
        for failure in failures { print(failure) }
        if verbose {
            let failed = Set(failures.map { "\($0.testCase.file):\($0.testCase.line)" })
            for testCase in cases where !failed.contains("\(testCase.file):\(testCase.line)") {
                print("\(testCase.file):\(testCase.line): ok: \(testCase.expectedDecoder ?? "no decoder")")
            }
        }
        let withTests = Set(cases.map(\.file))
        for file in decoders.files where !withTests.contains(file) { standardError("\(file): note: no test cases") }
        print(
            "\(plural(cases.count, "test case")) in \(plural(decoders.files.count, "decoder file")): "
                + "\(cases.count - failures.count) passed, \(failures.count) failed")
        if !failures.isEmpty { throw ExitCode(1) }
    }

    private func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    private func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
