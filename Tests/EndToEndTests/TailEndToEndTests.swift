import Foundation
import Testing
import VigilTestSupport

/// `vigil tail --file`: the built binary follows an alerts file as it grows and rotates, filters, and
/// never lets an alert's values drive the terminal.
@Suite struct TailEndToEndTests {
    /// Alert lines of the shape `vigil run` writes.
    static func alert(id: String, tier: Int, state: String, title: String, level: String = "high", entity: String, count: Int = 1) -> String
    {
        """
        {"id":"\(id)","kind":"detection","time":"2026-03-01T00:07:22.000000Z","detected_at":"2026-03-01T00:07:22.100000Z","tier":\(tier),\
        "rule":{"id":"r-\(id)","name":"rule_\(id)","title":"\(title)","level":"\(level)","tags":[]},"entity":\(entity),\
        "episode":{"id":1,"state":"\(state)","count":\(count),"first_seen":"2026-03-01T00:07:22.000000Z","last_seen":"2026-03-01T00:07:22.000000Z"}}
        """
    }

    @Test func followsGrowthAndRotationWithoutColourOnAPipe() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("alerts.jsonl")
        try (Self.alert(id: "a1", tier: 1, state: "opened", title: "First", entity: #"{"host":"web-1"}"#) + "\n")
            .write(toFile: path, atomically: false, encoding: .utf8)
        let tail = try RunningTail(["tail", "--file", path])
        defer { tail.stop() }
        #expect(waitUntil { tail.stdout.contains("First") })
        // Appended, in two writes that split a line.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        let second = Self.alert(id: "a2", tier: 2, state: "updated", title: "Second", entity: #"{"src_ip":"192.0.2.7"}"#, count: 9)
        handle.write(Data(second.prefix(40).utf8))
        usleep(300_000)
        handle.write(Data((second.dropFirst(40) + "\n").utf8))
        try handle.close()
        #expect(waitUntil { tail.stdout.contains("Second") })
        // Rotated away, a new file under the name.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try (Self.alert(id: "a3", tier: 3, state: "opened", title: "Third", entity: #"{"user":"root"}"#) + "\n")
            .write(toFile: path, atomically: false, encoding: .utf8)
        #expect(waitUntil { tail.stdout.contains("Third") })
        let lines = tail.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].contains("T1") && lines[0].contains("opened") && lines[0].contains("host=web-1") && lines[0].contains("[NEW]"))
        #expect(lines[1].contains("T2") && lines[1].contains("src_ip=192.0.2.7") && lines[1].contains("count=9"))
        #expect(!tail.stdout.contains("\u{1B}["), "no colour when standard output is not a terminal")
        #expect(tail.stderr.contains("rotated"))
    }

    @Test(arguments: [
        (["--tier", "2"], ["Second"]),
        (["--min-level", "high"], ["First", "Third"]),
        (["--rule", "rule_a3"], ["Third"]),
        (["--json"], ["First", "Second", "Third"]),
    ])
    func filters(arguments: [String], shown: [String]) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("alerts.jsonl")
        let lines = [
            Self.alert(id: "a1", tier: 1, state: "opened", title: "First", level: "critical", entity: "{}"),
            Self.alert(id: "a2", tier: 2, state: "opened", title: "Second", level: "low", entity: "{}"),
            Self.alert(id: "a3", tier: 3, state: "opened", title: "Third", level: "high", entity: "{}"),
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let tail = try RunningTail(["tail", "--file", path] + arguments)
        defer { tail.stop() }
        #expect(waitUntil { shown.allSatisfy { tail.stdout.contains($0) } })
        usleep(300_000)
        for title in ["First", "Second", "Third"] where !shown.contains(title) { #expect(!tail.stdout.contains(title)) }
        if arguments == ["--json"] {
            // Passed through unchanged.
            #expect(tail.stdout == lines.joined(separator: "\n") + "\n")
        }
    }

    /// Escape sequences and control characters in an alert are shown as escapes, never sent to the terminal.
    @Test func controlCharactersAreEscaped() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("alerts.jsonl")
        let hostile = Self.alert(id: "h", tier: 1, state: "opened", title: #"x\u001b]0;owned\u0007\u001b[2J"#, entity: #"{"user":"a\rb"}"#)
        try (hostile + "\nnot json at all\n").write(toFile: path, atomically: false, encoding: .utf8)
        let tail = try RunningTail(["tail", "--file", path], environment: ["NO_COLOR": "1"])
        defer { tail.stop() }
        #expect(waitUntil { tail.stdout.contains("owned") })
        #expect(!tail.stdout.contains("\u{1B}"))
        #expect(!tail.stdout.contains("\u{07}"))
        #expect(!tail.stdout.contains("\r"))
        #expect(tail.stdout.contains(#"\u{1b}]0;owned\u{7}"#))
        #expect(tail.stdout.contains(#"user=a\u{d}b"#))
    }

    @Test func badArgumentsAreUsageErrors() throws {
        let result = try runVigil(["tail", "--tier", "4"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--tier must be 1, 2 or 3"))
        let since = try runVigil(["tail", "--since", "yesterday"])
        #expect(since.status == 64)
    }
}

/// A `vigil tail` left running; its output read as it comes.
final class RunningTail: @unchecked Sendable {
    let process = Process()
    private let output = TemporaryDirectory()

    init(_ arguments: [String], environment: [String: String]? = nil, binary: URL = TestPaths.vigilBinary) throws {
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = TestPaths.packageRoot
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        _ = FileManager.default.createFile(atPath: output.file("out"), contents: nil)
        _ = FileManager.default.createFile(atPath: output.file("err"), contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output.file("out")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: output.file("err")))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var stdout: String { (try? String(contentsOfFile: output.file("out"), encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: output.file("err"), encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning {
            // SIGKILL: a child of the test process may inherit a signal mask that blocks SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        output.remove()
    }
}
