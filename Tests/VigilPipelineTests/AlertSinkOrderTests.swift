import Foundation
import Testing
import VigilAlert
import VigilEvent

@testable import VigilPipeline

/// The alert sink writes pieces in the order the collector placed them, whichever thread delivers them
/// first.
@Suite("AlertSink: output order")
struct AlertSinkOrderTests {
    /// A sink writing to a fresh temporary file; `read()` returns what was written so far.
    struct FileSink {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-sink-\(UUID().uuidString)").path
        let sink: AlertSink

        init() throws {
            sink = try AlertSink.file(path: path)
        }

        func read() throws -> [String] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    static func detection(_ name: String) -> [UInt8] { Array("{\"d\":\"\(name)\"}\n".utf8) }

    static func correlation(_ name: String) -> Alert {
        Alert(kind: .correlation, time: Timestamp(nanoseconds: 0), rule: Alert.Rule(id: name, title: name, level: "low"))
    }

    static func ruleID(_ line: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        if let name = object["d"] as? String { return name }
        return (object["rule"] as? [String: Any])?["id"] as? String
    }

    @Test("a batch's detections wait for the correlation step placed before them")
    func detectionsWaitForEarlierStep() throws {
        let file = try FileSink()
        defer { file.remove() }
        let sink = file.sink
        try sink.writeRendered(Self.detection("a"), lines: 1)
        sink.expectCorrelationStep()
        try sink.writeRendered(Self.detection("b"), lines: 1)
        sink.expectCorrelationStep()
        #expect(try file.read().map(Self.ruleID) == ["a"])
        try sink.send([])  // the first step, empty: "b" may go
        #expect(try file.read().map(Self.ruleID) == ["a", "b"])
        try sink.send([Self.correlation("x"), Self.correlation("y")])
        sink.finish()
        #expect(try file.read().map(Self.ruleID) == ["a", "b", "x", "y"])
        #expect(sink.counts.detectionAlerts == 2 && sink.counts.correlationAlerts == 2)
    }

    @Test("steps delivered from another thread land at their places, run after run")
    func stepsFromAnotherThread() async throws {
        for _ in 0..<20 {
            let file = try FileSink()
            defer { file.remove() }
            let sink = file.sink
            let steps = AsyncStream<Int>.makeStream()
            let merger = Task.detached {
                for await step in steps.stream {
                    try sink.send(step % 3 == 0 ? [] : [Self.correlation("c\(step)")])
                }
            }
            var expected: [String] = []
            for batch in 0..<50 {
                try sink.writeRendered(Self.detection("d\(batch)"), lines: 1)
                expected.append("d\(batch)")
                sink.expectCorrelationStep()
                steps.continuation.yield(batch)
                if batch % 3 != 0 { expected.append("c\(batch)") }
            }
            steps.continuation.finish()
            try await merger.value
            sink.finish()
            #expect(try file.read().map(Self.ruleID) == expected)
        }
    }

    @Test("at the end, pieces behind a step that never came are still written, in order")
    func finishWritesWhatWaits() throws {
        let file = try FileSink()
        defer { file.remove() }
        let sink = file.sink
        sink.expectCorrelationStep()
        try sink.writeRendered(Self.detection("a"), lines: 1)
        try sink.writeRendered(Self.detection("b"), lines: 1)
        #expect(try file.read().isEmpty)
        sink.finish()
        #expect(try file.read().map(Self.ruleID) == ["a", "b"])
    }
}
