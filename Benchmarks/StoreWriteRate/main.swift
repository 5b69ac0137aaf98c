// Times writing alerts into the alert store through its output, as `vigil run` does: 200,000 alerts
// (detections with evidence, 2,000 episodes) handed over in runs of 100, until all are committed.
//
//   swift build -c release --product StoreWriteRate && .build/release/StoreWriteRate [ALERTS] [--no-spool]
//   (or scripts/bench-store.sh)
//
// Handed over at once, most alerts go through the output's spool (as in a burst); `--no-spool` gives
// the queue room for all of them, to time the store alone. Besides the wall clock, the process's CPU
// time is printed: on a shared machine, alerts per CPU second is the steadier figure (the writer is
// one thread; the main thread is idle once everything is handed over).
import Foundation
import Logging
import VigilAlert
import VigilOutput
import VigilStore

let arguments = CommandLine.arguments.dropFirst()
let total = arguments.compactMap { Int($0) }.first ?? 200_000
let spool = !arguments.contains("--no-spool")
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
let output = store.output(
    options: QueuedOutput.Options(memoryLimit: spool ? 16 << 20 : bytes * 2, stateDirectory: directory))

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let cpuStart = cpuSeconds()
let start = ContinuousClock.now
for run in runs { output.accept(run) }
let accepted = ContinuousClock.now - start
output.finish(timeout: .seconds(3600))
let took = ContinuousClock.now - start
let cpu = cpuSeconds() - cpuStart
store.close()

let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
let counts = output.counts
print(
    """
    \(total) alerts (\(bytes / total) bytes each on average) in \(String(format: "%.2f", seconds)) s: \
    \(Int(Double(total) / seconds)) alerts/s; \(String(format: "%.2f", cpu)) s of CPU: \(Int(Double(total) / cpu)) alerts per CPU second \
    (accepted within \(accepted); delivered \(counts.delivered), spooled \(counts.spooled), stalled \(counts.stalled), \
    dropped \(counts.dropped))
    """)
