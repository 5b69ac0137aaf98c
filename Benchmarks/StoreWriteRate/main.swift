// Times writing alerts into the alert store through its output, as `vigil run` does: 200,000 alerts
// (detections with evidence, 2,000 episodes) handed over in runs of 100, until all are committed.
//
//   swift build -c release --product StoreWriteRate && .build/release/StoreWriteRate [ALERTS]
//   (or scripts/bench-store.sh)
import Foundation
import Logging
import VigilAlert
import VigilOutput
import VigilStore

let total = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200_000 : 200_000
let runLength = 100

func alertLine(_ number: Int) -> String {
    let episode = number % 2000
    let second = 1_772_323_200 + number / 10
    let time = Date(timeIntervalSince1970: TimeInterval(second)).ISO8601Format(.iso8601WithTimeZone())
    let hex = String(number, radix: 16)
    let id = String(repeating: "0", count: 32 - hex.count) + hex
    let host = "web-\(episode % 50)"
    let state = number < 2000 ? "opened" : "updated"
    return #"{"id":"\#(id)","kind":"detection","time":"\#(time)","detected_at":"\#(time)","tier":\#(episode % 3 + 1),"#
        + #""rule":{"id":"0d5d8f3c-1e8a-4b1e-9a8e-\#(String(episode % 40))","name":"rule_\#(episode % 40)","title":"Failed SSH logins from one source","level":"medium","tags":["attack.credential_access","attack.t1110"],"file":"rules/linux/sshd.yml"},"#
        + #""entity":{"host":"\#(host)"},"host":"\#(host)","episode":{"id":\#(episode + 1_000_000),"state":"\#(state)","count":\#(number / 2000 + 1),"first_seen":"\#(time)","last_seen":"\#(time)"},"#
        + #""event":{"time":"\#(time)","host":"\#(host)","program":"sshd","pid":\#(number % 30000),"message":"Failed password for invalid user admin\#(number % 97) from 203.0.113.\#(number % 250) port \#(40000 + number % 20000) ssh2","src_ip":"203.0.113.\#(number % 250)","user":"admin\#(number % 97)"}}"#
}

var runs: [AlertLines] = []
var bytes = 0
for start in stride(from: 0, to: total, by: runLength) {
    var lines = AlertLines()
    for number in start..<min(total, start + runLength) {
        let line = alertLine(number)
        bytes += line.utf8.count + 1
        lines.append(tier: number % 2000 % 3 + 1) { $0.append(contentsOf: line.utf8) }
    }
    runs.append(lines)
}

let directory = NSTemporaryDirectory() + "vigil-store-bench-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: directory) }
var logger = Logger(label: "bench")
logger.logLevel = .warning
let store = try AlertStore(directory: directory, logger: logger)
let output = store.output(options: QueuedOutput.Options(stateDirectory: directory))

let start = ContinuousClock.now
for run in runs { output.accept(run) }
let accepted = ContinuousClock.now - start
output.finish(timeout: .seconds(3600))
let took = ContinuousClock.now - start
store.close()

let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
let counts = output.counts
print(
    """
    \(total) alerts (\(bytes / total) bytes each on average) in \(String(format: "%.2f", seconds)) s: \
    \(Int(Double(total) / seconds)) alerts/s (accepted within \(accepted); delivered \(counts.delivered), \
    spooled \(counts.spooled), stalled \(counts.stalled), dropped \(counts.dropped))
    """)
