import Foundation
import Testing
import VigilAlert
import VigilOutput
import VigilTestSupport

/// `--alerts FILE`: appending, rotation by size, and errors that name the file.
@Suite struct FileOutputTests {
    private func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    @Test func openingAppendsToWhatEarlierRunsWrote() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("alerts.jsonl")
        try Data("{\"earlier\":1}\n".utf8).write(to: URL(fileURLWithPath: path))
        for run in 0..<2 {
            let output = try AlertOutputs.file(path: path, stateDirectory: nil, logger: LogCapture().logger).get()
            output.accept(makeAlerts(run * 3..<run * 3 + 3))
            output.finish(timeout: .seconds(10))
            #expect(output.counts.delivered == 3)
            #expect(output.name == "file \(path)")
        }
        let lines = read(path).split(separator: "\n").map(String.init)
        #expect(lines.first == "{\"earlier\":1}")
        #expect(lines.dropFirst().compactMap(alertNumber) == Array(0..<6))
    }

    @Test func rotationBySizeKeepsWholeLinesAndKeepFiles() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("alerts.jsonl")
        let rotation = FileTransport.Rotation(maxSize: 1000, keep: 3)
        let output = try AlertOutputs.file(path: path, rotation: rotation, stateDirectory: nil, logger: LogCapture().logger).get()
        // Alerts of different sizes (45 to 175 bytes), so lines do not divide the limit evenly.
        for number in 0..<300 {
            output.accept(makeAlerts(number..<number + 1, pad: 10 + number * 37 % 131))
        }
        output.finish(timeout: .seconds(10))
        #expect(output.counts.delivered == 300)
        #expect(output.failure == nil)

        let files = [path + ".3", path + ".2", path + ".1", path]
        for file in files { #expect(FileManager.default.fileExists(atPath: file), "\(file) missing") }
        #expect(!FileManager.default.fileExists(atPath: path + ".4"))
        var numbers: [Int] = []
        for (index, file) in files.enumerated() {
            let text = read(file)
            #expect(text.utf8.count <= 1000, "\(file) has \(text.utf8.count) bytes")
            #expect(text.hasSuffix("\n"))
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            for line in lines { #expect(alertNumber(String(line)) != nil, "a broken line in \(file): \(line)") }
            numbers += lines.compactMap { alertNumber(String($0)) }
            // Rotated only when needed: the next file's first line would not have fitted.
            if index + 1 < files.count, let next = read(files[index + 1]).split(separator: "\n").first {
                #expect(text.utf8.count + next.utf8.count + 1 > 1000)
            }
        }
        // The files hold the newest alerts, in order, up to the last one.
        #expect(numbers == Array((300 - numbers.count)..<300))
        #expect(numbers.count > 20)
    }

    @Test func anAlertLargerThanTheLimitGetsAFileOfItsOwn() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("alerts.jsonl")
        let output = try AlertOutputs.file(
            path: path, rotation: FileTransport.Rotation(maxSize: 200, keep: 2), stateDirectory: nil, logger: LogCapture().logger
        ).get()
        output.accept(makeAlerts(0..<1))
        output.accept(makeAlerts(1..<2, pad: 500))
        output.accept(makeAlerts(2..<3))
        output.finish(timeout: .seconds(10))
        #expect(read(path + ".2").split(separator: "\n").compactMap { alertNumber(String($0)) } == [0])
        #expect(read(path + ".1").split(separator: "\n").compactMap { alertNumber(String($0)) } == [1])
        #expect(read(path).split(separator: "\n").compactMap { alertNumber(String($0)) } == [2])
    }

    @Test func aFileThatCannotBeOpenedIsAClearError() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("missing/alerts.jsonl")
        switch AlertOutputs.file(path: path, stateDirectory: nil, logger: LogCapture().logger) {
        case .success: Issue.record("opened a file in a directory that does not exist")
        case .failure(let error):
            #expect(error.message == "alerts file \(path): cannot open: No such file or directory")
        }
    }

    /// `/dev/full` fails every write with `ENOSPC`, as a full disk does.
    @Test func aWriteThatFailsSetsAFailureNamingTheFileAndKeepsTheAlerts() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let log = LogCapture()
        let output = try AlertOutputs.file(
            path: "/dev/full", stateDirectory: directory.path, logger: log.logger,
            options: QueuedOutput.Options(retry: RetryPolicy(initialDelay: .milliseconds(10), maximumDelay: .milliseconds(50)))
        ).get()
        output.accept(makeAlerts(0..<5))
        #expect(waitUntil { output.failure != nil })
        #expect(output.failure == "alerts file /dev/full: write failed: No space left on device")
        #expect(output.health.isReceiverFailing)
        output.finish(timeout: .milliseconds(100))
        #expect(output.counts.delivered == 0)
        #expect(output.counts.dropped == 0)
        #expect(output.counts.leftInSpool == 5)
        #expect(!log.messages(containing: "No space left on device").isEmpty)
    }
}
