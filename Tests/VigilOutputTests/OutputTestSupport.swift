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

/// A fresh directory under the temporary folder, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array("\(NSTemporaryDirectory())/vigil-output-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
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

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
@discardableResult
func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// A TCP port on 127.0.0.1 that nothing listened on a moment ago (bound to port 0, then released).
func freePort(type: Int32 = Int32(SOCK_STREAM.rawValue)) -> Int {
    let fd = socket(AF_INET, type, 0)
    precondition(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress -> Int32 in
            guard bind(fd, socketAddress, length) == 0 else { return -1 }
            return getsockname(fd, socketAddress, &length)
        }
    }
    precondition(bound == 0, "bind failed: \(errno)")
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func isListening(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
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
