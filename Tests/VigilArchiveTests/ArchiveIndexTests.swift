import Foundation
import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilArchive

@Suite("Archive index")
struct ArchiveIndexTests {
    @Test(
        "tokens",
        arguments: [
            (
                "Failed password for root from 10.0.0.1 port 22 ssh2",
                ["Failed", "password", "for", "root", "from", "10", "10.0.0.1", "0", "0", "1", "port", "22", "ssh2"]
            ),
            ("connect to 1.2.3.4:22 failed", ["connect", "to", "1", "1.2.3.4", "2", "3", "4", "22", "failed"]),
            ("from fe80::1 port 2222", ["from", "fe80", "fe80::1", "1", "port", "2222"]),
            ("peer [2001:db8::a:1]:443.", ["peer", "2001", "2001:db8::a:1", "db8", "a", "1", "443"]),
            ("addr ::1: refused", ["addr", "::1", "1", "refused"]),
            ("version 1.2.3.4.5 v1.2.3.4 1.2.3", ["version", "1", "2", "3", "4", "5", "v1", "2", "3", "4", "1", "2", "3"]),
            ("user_name=bob-smith; pid=42", ["user_name", "bob", "smith", "pid", "42"]),
            ("ended at 10.1.1.1.", ["ended", "at", "10", "10.1.1.1", "1", "1", "1"]),
            ("", []),
        ])
    func tokens(_ message: String, _ expected: [String]) {
        #expect(ArchiveTokens.tokens(of: Array(message.utf8)).map { String(decoding: $0, as: UTF8.self) } == expected)
    }

    @Test("a search value is looked up only when it is one token")
    func singleToken() {
        for (value, single) in [("10.0.0.1", true), ("root", true), ("fe80::1", true), ("root from", false), ("-x", false), ("", false)] {
            #expect(ArchiveTokens.isSingleToken(Array(value.utf8)) == single, "\(value)")
        }
    }

    /// Generated sshd-like lines, or a synthetic stand-in when the generator is not there.
    static func lines(_ count: Int) throws -> [[UInt8]] {
        let generator = "/work/shared/tools/gen-authlog.py"
        if FileManager.default.fileExists(atPath: generator) {
            let temporary = TemporaryDirectory("gen")
            _ = try runPython([generator, "-n", String(count), "--seed", "3", "--out", temporary.path + "/g"])
            let data = try Data(contentsOf: URL(fileURLWithPath: temporary.path + "/g.log"))  // --out g writes g.log and g.jsonl
            return data.split(separator: UInt8(ascii: "\n")).map { Array($0) }
        }
        return (0..<count).map {
            Array(
                "Oct 11 22:14:\($0 % 60) host sshd[\($0)]: Failed password for user\($0 % 500) from 10.\($0 % 7).\($0 % 200).\($0 % 250) port \(1024 + $0 % 60000) ssh2"
                    .utf8)
        }
    }

    /// Archives `lines` in batches of 500 with one event time a second apart.
    static func archive(_ lines: [[UInt8]], to directory: String, options: ArchiveOptions) throws -> (ArchiveCounters, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let writer = try ArchiveWriter.open(directory: directory, options: options, logger: quietLogger)
        var sequence: UInt64 = 0
        var second: Int64 = 1_700_000_000
        for chunk in stride(from: 0, to: lines.count, by: 500) {
            let batchLines = lines[chunk..<min(chunk + 500, lines.count)]
            writer.append(
                makeBatch(
                    source: 1, name: "/var/log/auth.log", firstSequence: sequence, receiveTime: Timestamp(seconds: 1_800_000_000),
                    batchLines.map { line in
                        second += 1
                        return TestMessage(bytes: line, eventTime: Timestamp(seconds: second))
                    }))
            sequence += UInt64(batchLines.count)
        }
        try writer.finish()
        return (writer.counters, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    @Test("Bloom filters: no false negatives over every token of every message, about 1 % false positives")
    func bloom() throws {
        let temporary = TemporaryDirectory()
        var options = ArchiveOptions()
        options.blockSize = 64 << 10
        _ = try Self.archive(try Self.lines(20_000), to: temporary.archive, options: options)
        let reader = try ArchiveReader(directory: temporary.archive)
        var falsePositives = 0
        var queries = 0
        var tokensChecked = 0
        for segment in reader.segments {
            let index = try #require(reader.index(segment: segment.number))
            #expect(index.blocks.count == segment.blocks.count)
            for block in segment.blocks.indices {
                var present = Set<[UInt8]>()
                for case .message(let message) in try reader.records(segment: segment.number, block: block) {
                    for token in ArchiveTokens.tokens(of: message.bytes) {
                        present.insert(token)
                        tokensChecked += 1
                        if !index.mayContain(block: block, token: token) {
                            Issue.record("false negative: \(String(decoding: token, as: UTF8.self)) in block \(block)")
                        }
                    }
                }
                for i in 0..<5_000 {
                    let absent = Array("zq\(i)x\(block)".utf8)
                    guard !present.contains(absent) else { continue }
                    queries += 1
                    if index.mayContain(block: block, token: absent) { falsePositives += 1 }
                }
            }
        }
        let rate = Double(falsePositives) / Double(queries)
        #expect(tokensChecked > 100_000)
        #expect(rate > 0.002 && rate < 0.025, "false positive rate \(rate)")
    }

    @Test("a damaged, missing or stale sidecar gives no index (scan), never a wrong answer")
    func damagedSidecar() throws {
        let temporary = TemporaryDirectory()
        let writer = try ArchiveWriter.open(directory: temporary.archive, options: smallOptions(), logger: quietLogger)
        writer.append(makeBatch(source: 1, firstSequence: 0, receiveTime: Timestamp(seconds: 1), [TestMessage(bytes: Array("a b c".utf8))]))
        try writer.finish()
        let path = ArchiveLayout.indexPath(temporary.archive, 1)
        let reader = try ArchiveReader(directory: temporary.archive)
        let index = try #require(reader.index(segment: 1))
        #expect(index.mayContain(block: 0, token: Array("b".utf8)))
        #expect(index.blocks(mayContain: Array("b".utf8)) == [0])
        try flipByte(path, at: 40)
        #expect(reader.index(segment: 1) == nil)
        unlink(path)
        #expect(reader.index(segment: 1) == nil)
    }

    @Test("compressed size is at most a quarter of the raw message bytes on sshd-like logs")
    func compressionRatio() throws {
        guard FileManager.default.fileExists(atPath: "/work/shared/tools/gen-authlog.py") else { return }
        let lines = try Self.lines(200_000)
        let temporary = TemporaryDirectory()
        let (counters, seconds) = try Self.archive(lines, to: temporary.archive, options: ArchiveOptions())
        let ratio = Double(counters.compressedBytes) / Double(counters.rawBytes)
        let megabytes = Double(counters.rawBytes) / 1e6
        print(
            "archive: \(counters.messages) messages, \(counters.rawBytes) raw bytes -> \(counters.compressedBytes) on disk (ratio \(ratio)), \(megabytes / seconds) MB/s of raw log"
        )
        #expect(counters.messages == 200_000)
        #expect(ratio <= 0.25, "ratio \(ratio)")
    }
}
