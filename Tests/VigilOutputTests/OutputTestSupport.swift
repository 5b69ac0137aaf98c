import Foundation
import Logging
import Synchronization
import VigilAlert
import VigilOutput

#if canImport(Glibc)
    import Glibc
#endif

/// Alerts `{"n":N,"pad":"…"}` for each `n` of `numbers`, tier cycling 1, 2, 3 unless given.
func makeAlerts(_ numbers: some Sequence<Int>, tier: Int? = nil, pad: Int = 20) -> AlertLines {
    var lines = AlertLines()
    for number in numbers {
        lines.append(tier: tier ?? (number % 3 + 1)) { bytes in
            bytes.append(contentsOf: #"{"n":\#(number),"pad":"\#(String(repeating: "x", count: pad))"}"#.utf8)
        }
    }
    return lines
}

/// The `n` of an alert line made by ``makeAlerts(_:tier:pad:)``; nil when the line is not such JSON.
func alertNumber(_ json: String) -> Int? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return nil }
    return object["n"] as? Int
}

/// Collects log lines (level and message) for checks.
final class LogCapture: Sendable {
    private let lines = Mutex<[(Logger.Level, String)]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    var messages: [String] { lines.withLock { $0.map(\.1) } }

    func messages(containing text: String) -> [String] { messages.filter { $0.contains(text) } }

    fileprivate func record(_ level: Logger.Level, _ message: String) { lines.withLock { $0.append((level, message)) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.record(event.level, event.message.description)
        }
    }
}

/// A transport the test steers: up (delivers), down (reports the receiver down) or blocked (hangs in
/// `send` until released), recording what it delivered.
final class ScriptedTransport: AlertTransport, Sendable {
    enum Mode: Sendable {
        case up
        case down
        case blocked
        /// Delivers, 2 ms a batch.
        case slow
    }

    private struct State {
        var mode: Mode
        var delivered: [String] = []
        var calls = 0
        /// Sends that succeed before the mode applies (then it is `down`).
        var upFor: Int?
    }

    private let state: Mutex<State>
    let batchLimit: AlertBatchLimit

    init(_ mode: Mode, upFor: Int? = nil, batchLimit: AlertBatchLimit = AlertBatchLimit(alerts: 100, bytes: 1 << 20)) {
        state = Mutex(State(mode: mode, upFor: upFor))
        self.batchLimit = batchLimit
    }

    func set(_ mode: Mode) { state.withLock { $0.mode = mode } }

    var delivered: [String] { state.withLock { $0.delivered } }
    var deliveredNumbers: [Int] { delivered.compactMap(alertNumber) }
    var calls: Int { state.withLock { $0.calls } }

    func send(_ alerts: AlertLines, deadline: ContinuousClock.Instant) -> AlertTransportOutcome {
        while true {
            let mode = state.withLock { state -> Mode in
                state.calls += 1
                if let upFor = state.upFor {
                    if upFor > 0 {
                        state.upFor = upFor - 1
                        return .up
                    }
                    return .down
                }
                return state.mode
            }
            switch mode {
            case .up, .slow:
                if mode == .slow { usleep(2_000) }
                state.withLock { state in
                    for index in 0..<alerts.count { state.delivered.append(alerts.json(at: index)) }
                }
                return .delivered(alerts.count)
            case .down:
                return AlertTransportOutcome(done: 0, problem: .receiverDown("test receiver down"))
            case .blocked:
                if ContinuousClock.now >= deadline {
                    return AlertTransportOutcome(done: 0, problem: .receiverDown("test receiver blocked"))
                }
                state.withLock { $0.calls -= 1 }
                usleep(5_000)
            }
        }
    }

    func close() {}
}

/// Runs `body` and returns how long it took.
func timed(_ body: () -> Void) -> Duration {
    let start = ContinuousClock.now
    body()
    return ContinuousClock.now - start
}
