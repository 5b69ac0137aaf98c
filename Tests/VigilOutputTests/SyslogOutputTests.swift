import Foundation
import Testing
import VigilAlert
import VigilOutput
import VigilTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Syslog outputs: address parsing, the RFC 5424 fields, and a real syslog-ng receiving alerts.
@Suite struct SyslogOutputTests {
    @Test(arguments: [
        ("udp://127.0.0.1:514", "udp://127.0.0.1:514"),
        ("tcp://siem.example.org:6514", "tcp://siem.example.org:6514"),
        ("TCP://[::1]:514", "tcp://[::1]:514"),
    ])
    func goodAddressesParse(text: String, expected: String) throws {
        #expect(try SyslogAddress.parse(text).get().description == expected)
    }

    @Test(arguments: [
        ("127.0.0.1:514", "no scheme"),
        ("syslog://127.0.0.1:514", "unknown scheme 'syslog'"),
        ("udp://127.0.0.1", "no port"),
        ("udp://127.0.0.1:", "no port"),
        ("udp://:514", "no host"),
        ("udp://127.0.0.1:0", "port '0' is not a number from 1 to 65535"),
        ("udp://127.0.0.1:70000", "port '70000' is not a number from 1 to 65535"),
        ("udp://127.0.0.1:51x", "port '51x' is not a number"),
        ("tcp://127.0.0.1:514/path", "no path"),
        ("tcp://::1:514", "must be written in brackets"),
        ("tcp://[::1:514", "no closing ']'"),
        ("tcp://user@host:514", "no user name"),
        ("tcp://ho st:514", "not a host name"),
    ])
    func badAddressesSayWhy(text: String, why: String) {
        switch SyslogAddress.parse(text) {
        case .success(let address): Issue.record("\(text) parsed as \(address)")
        case .failure(let error):
            #expect(error.message.contains(why), "\(error.message)")
            #expect(error.message.contains("expected udp://HOST:PORT or tcp://HOST:PORT"))
        }
    }

    @Test func severityAndPriorityFollowTheTier() {
        #expect(SyslogMessage.severity(tier: 3) == 2)
        #expect(SyslogMessage.severity(tier: 2) == 3)
        #expect(SyslogMessage.severity(tier: 1) == 4)
        let header = SyslogMessage.header(facility: .local4, tier: 3, timestamp: "T", hostname: "h", processID: 7)
        #expect(String(decoding: header, as: UTF8.self) == "<162>1 T h vigil 7 alert - ")
        #expect(SyslogFacility("local0")?.code == 16)
        #expect(SyslogFacility("security")?.code == 4)
        #expect(SyslogFacility("24") == nil)
        let timestamp = SyslogMessage.timestampNow()
        #expect(timestamp.count == 27)
        #expect(timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil)
    }

    /// UDP and TCP to a real syslog-ng: every alert arrives, JSON intact, with its priority; the TCP
    /// output starts while nothing listens and reconnects after syslog-ng restarts, in order throughout.
    @Test(.enabled(if: SyslogNG.binary != nil, "syslog-ng not found: install the Debian package syslog-ng-core"))
    func aRealSyslogNgReceivesEveryAlert() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let syslog = try SyslogNG(directory: directory)
        defer { syslog.stop() }
        let log = LogCapture()
        let options = QueuedOutput.Options(retry: RetryPolicy(initialDelay: .milliseconds(20), maximumDelay: .milliseconds(200)))
        let tcp = try AlertOutputs.make(
            spec: "tcp://127.0.0.1:\(syslog.tcpPort)", stateDirectory: directory.path, logger: log.logger, options: options
        ).get()
        #expect(tcp.name == "syslog tcp://127.0.0.1:\(syslog.tcpPort)")

        // Nothing listens yet: the alerts wait.
        for start in stride(from: 0, to: 1000, by: 50) { tcp.accept(makeAlerts(start..<start + 50)) }
        #expect(waitUntil { tcp.health.isReceiverFailing })
        try syslog.start()
        for start in stride(from: 1000, to: 2000, by: 50) { tcp.accept(makeAlerts(start..<start + 50)) }
        #expect(waitUntil(timeout: .seconds(30)) { syslog.lines(syslog.tcpFile).count >= 2000 })

        // syslog-ng restarts: the output notices the closed connection and connects again.
        syslog.stop()
        for start in stride(from: 2000, to: 3000, by: 50) { tcp.accept(makeAlerts(start..<start + 50)) }
        usleep(300_000)
        try syslog.start()

        let udp = try AlertOutputs.make(
            spec: "udp://127.0.0.1:\(syslog.udpPort),min-tier=1", stateDirectory: directory.path, logger: log.logger, options: options
        ).get()
        var expectedUDP: [Int] = []
        for start in stride(from: 0, to: 300, by: 20) {
            udp.accept(makeAlerts(start..<start + 20))
            expectedUDP += start..<start + 20
            if start == 140 { udp.accept(makeAlerts(99_999..<100_000, pad: 70_000)) }  // too large for a datagram
            usleep(2_000)
        }
        tcp.finish(timeout: .seconds(30))
        udp.finish(timeout: .seconds(30))
        #expect(
            waitUntil(timeout: .seconds(30)) { syslog.lines(syslog.tcpFile).count >= 3000 && syslog.lines(syslog.udpFile).count >= 300 })

        for (file, numbers) in [(syslog.tcpFile, Array(0..<3000)), (syslog.udpFile, expectedUDP)] {
            let lines = syslog.lines(file)
            var received: [Int] = []
            for line in lines {
                let fields = line.split(separator: " ", maxSplits: 4).map(String.init)
                guard fields.count == 5, let number = alertNumber(fields[4]) else {
                    Issue.record("\(file): unexpected line \(line)")
                    continue
                }
                received.append(number)
                // PRI: local4 (20) * 8 + the tier's severity; the JSON exactly as accepted.
                #expect(fields[0] == String(160 + SyslogMessage.severity(tier: number % 3 + 1)), "\(line)")
                #expect(fields[1] == "vigil" && fields[2] == String(getpid()) && fields[3] == "alert", "\(line)")
                #expect(fields[4] == makeAlerts(number..<number + 1).json(at: 0))
            }
            #expect(received == numbers, "\(file)")
        }
        #expect(tcp.counts.delivered == 3000)
        #expect(tcp.counts.retried > 0)
        #expect(udp.counts.delivered == 300)
        #expect(udp.counts.dropped == 1)
        #expect(!log.messages(containing: "more than a UDP datagram carries").isEmpty)
    }
}
