import Foundation
import Logging
import Synchronization
import VigilAlert
import VigilEvent
import VigilOutput
import VigilTestSupport

@testable import VigilStore

/// One alert line in the schema of docs/alert.schema.json, as vigil writes it.
struct TestAlert {
    var number: Int
    var episode: Int64? = 1000
    var state = "opened"
    var count = 1
    var ruleID = "rule-1"
    var ruleName: String? = "rule_one"
    var title = "Rule one"
    var level = "high"
    var tier = 2
    var kind = "detection"
    var entity: [String: String?] = ["host": "web-1"]
    var host: String? = "web-1"
    /// Seconds after 2026-03-01T00:00:00Z.
    var second = 0
    var detectedSecond: Int?
    var message = "hello"

    static let base: Int64 = 1_772_323_200  // 2026-03-01T00:00:00Z

    var id: String {
        let hex = String(number, radix: 16)
        return String(repeating: "0", count: 32 - hex.count) + hex
    }

    var timeNanoseconds: Int64 { (Self.base + Int64(second)) * 1_000_000_000 }

    static func time(_ second: Int) -> String { RFC3339.string((base + Int64(second)) * 1_000_000_000) }

    var json: String {
        func quoted(_ text: String) -> String {
            var out: [UInt8] = []
            JSONOutput.appendString(text, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        var json =
            #"{"id":"\#(id)","kind":"\#(kind)","time":"\#(Self.time(second))","detected_at":"\#(Self.time(detectedSecond ?? second + 1))","tier":\#(tier),"#
        json += #""rule":{"id":\#(quoted(ruleID)),"# + (ruleName.map { #""name":\#(quoted($0)),"# } ?? "")
        json += #""title":\#(quoted(title)),"level":"\#(level)","tags":["attack.t1110"],"file":"rules/test.yml"}"#
        // Written in an order other than sorted, as the pipeline writes the suppression key's order.
        json +=
            #","entity":{"# + entity.keys.sorted(by: >).map { "\(quoted($0)):\(entity[$0]!.map(quoted) ?? "null")" }.joined(separator: ",")
            + "}"
        if let host { json += #","host":\#(quoted(host))"# }
        if let episode {
            json +=
                #","episode":{"id":\#(episode),"state":"\#(state)","count":\#(count),"first_seen":"\#(Self.time(second))","last_seen":"\#(Self.time(second))"}"#
        }
        json += #","event":{"message":\#(quoted(message)),"host":"web-1"}}"#
        return json
    }
}

func lines(_ alerts: [TestAlert]) -> AlertLines {
    var lines = AlertLines()
    for alert in alerts { lines.append(tier: alert.tier) { $0.append(contentsOf: alert.json.utf8) } }
    return lines
}

/// Collects log lines for checks.
final class StoreLogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    var messages: [String] { lines.withLock { $0 } }

    func messages(containing text: String) -> [String] { messages.filter { $0.contains(text) } }

    fileprivate func record(_ message: String) { lines.withLock { $0.append(message) } }

    private struct Handler: LogHandler {
        let capture: StoreLogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) { capture.record(event.message.description) }
    }
}

/// A store in a temporary directory, and what a test needs around it.
final class StoreFixture {
    let directory = TemporaryDirectory()
    let log = StoreLogCapture()
    private(set) var store: AlertStore

    init(retention: Duration? = nil) throws {
        store = try AlertStore(directory: directory.file("state"), retention: retention, logger: log.logger)
    }

    /// Writes `alerts` through the store's output, as the pipeline does, and waits for them to be stored.
    @discardableResult
    func write(_ alerts: [TestAlert]) -> AlertOutputCounts {
        write(lines(alerts))
    }

    @discardableResult
    func write(_ lines: AlertLines) -> AlertOutputCounts {
        let output = store.output(options: QueuedOutput.Options(stateDirectory: directory.file("state")))
        output.accept(lines)
        output.finish(timeout: .seconds(30))
        return output.counts
    }

    /// Closes the store and opens it again from its files.
    func reopen() throws {
        store.close()
        store = try AlertStore(directory: directory.file("state"), logger: log.logger)
    }

    deinit {
        store.close()
        directory.remove()
    }
}
