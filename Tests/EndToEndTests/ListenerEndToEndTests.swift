import Foundation
import Testing
import VigilTestSupport

@Suite("vigil run with UDP and TCP listeners on 127.0.0.1", .serialized)
struct ListenerEndToEndTests {
    @Test("UDP datagrams and TCP (octet counting and LF framing) all arrive; SIGTERM drains and exits 0")
    func listenersReceive() throws {
        let stats = temporaryPath("stats.json")
        let vigil = try RunningVigil([
            "run", "--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--log-level", "info", "--stats-json", stats,
        ])
        let ports = vigil.listeningPorts(count: 2)
        try #require(ports["udp"] != nil && ports["tcp"] != nil, "\(vigil.stderr)")
        Sockets.sendDatagrams((0..<200).map { Array("<34>Oct 11 22:14:15 host su: udp \($0)\n".utf8) }, port: ports["udp"]!)
        let lf = Sockets.connectTCP(port: ports["tcp"]!)
        Sockets.send(lf, Array((0..<300).map { "<34>Oct 11 22:14:15 host app: lf \($0)\n" }.joined().utf8))
        let octet = Sockets.connectTCP(port: ports["tcp"]!)
        let frames = (0..<100).map { i -> String in
            let message = "<34>1 2003-10-11T22:14:15.003Z host app - - - octet \(i)"
            return "\(message.utf8.count) \(message)"
        }
        Sockets.send(octet, Array(frames.joined().utf8))
        close(lf)
        close(octet)
        usleep(300_000)
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "events") == 600, "\(json)")
        let inputs = json["inputs"] as? [[String: Any]] ?? []
        #expect(inputs.count == 2)
        #expect((inputs.last?["connections"] as? NSNumber)?.intValue == 2)
        #expect(vigil.stderr.contains("vigil: 600 events"))
    }

    /// TCP: the connection survives the oversize frame (messages before and after it arrive). UDP: the
    /// whole datagram is read whatever the maximum, so the bytes cut off are known.
    @Test("An oversize TCP frame or UDP datagram is cut, and the bytes cut off are counted", arguments: ["tcp", "udp"])
    func oversizeMessage(transport: String) throws {
        let stats = temporaryPath("stats.json")
        let vigil = try RunningVigil([
            "run", "--\(transport)", "127.0.0.1:0", "--max-message-size", "256", "--log-level", "info", "--stats-json", stats,
        ])
        let port = try #require(vigil.listeningPorts(count: 1)[transport], "\(vigil.stderr)")
        let long = "<34>Oct 11 22:14:15 host app: " + String(repeating: "y", count: 2000)
        let messages = ["<34>Oct 11 22:14:15 host app: before", long, "<34>Oct 11 22:14:15 host app: after"]
        if transport == "tcp" {
            let fd = Sockets.connectTCP(port: port)
            Sockets.send(fd, Array(messages.map { $0 + "\n" }.joined().utf8))
            close(fd)
        } else {
            Sockets.sendDatagrams(messages.map { Array($0.utf8) }, port: port)
        }
        usleep(300_000)
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "events") == 3, "\(json)")
        #expect(integer(json, "truncated") == 1)
        #expect(integer(json, "discarded_bytes") == 30 + 2000 - 256)
    }

    @Test("TCP: a garbage peer is disconnected and counted while another peer's messages still arrive")
    func tcpGarbagePeer() throws {
        let stats = temporaryPath("stats.json")
        let vigil = try RunningVigil(["run", "--tcp", "127.0.0.1:0", "--log-level", "info", "--stats-json", stats])
        let ports = vigil.listeningPorts(count: 1)
        try #require(ports["tcp"] != nil, "\(vigil.stderr)")
        let good = Sockets.connectTCP(port: ports["tcp"]!)
        let bad = Sockets.connectTCP(port: ports["tcp"]!)
        Sockets.send(good, Array("<34>Oct 11 22:14:15 host app: good 1\n".utf8))
        // A TLS ClientHello is no syslog framing.
        Sockets.send(bad, [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03])
        usleep(200_000)
        #expect(Sockets.isClosedByPeer(bad))
        Sockets.send(good, Array("<34>Oct 11 22:14:15 host app: good 2\n".utf8))
        close(good)
        close(bad)
        usleep(300_000)
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "events") == 2, "\(json)")
        #expect(integer(json, "drops", "by_reason", "garbage_peer") == 1)
    }

    @Test("SIGTERM while reading an open stdin pipe drains what was read and exits 0")
    func sigtermDrainsStdin() throws {
        let stats = temporaryPath("stats.json")
        let input = Pipe()
        let vigil = try RunningVigil(["run", "--stats-json", stats], stdin: input)
        input.fileHandleForWriting.write(Data((0..<500).map { "<34>Oct 11 22:14:15 host app: line \($0)\n" }.joined().utf8))
        // Until the run reports all 500 read (SIGUSR1, ignored while rules load): a fixed sleep lost the
        // race on a loaded machine, and SIGTERM came before vigil caught it.
        for _ in 0..<200 where !vigil.stderr.contains("500 events in") {
            kill(vigil.process.processIdentifier, SIGUSR1)
            usleep(100_000)
        }
        #expect(vigil.stop(signal: SIGTERM) == 0, "\(vigil.stderr)")
        try? input.fileHandleForWriting.close()
        let json = try readStats(stats)
        #expect(integer(json, "events") == 500)
    }

    @Test("Old logs piped through a stdin pipe that pauses: nothing after the pause is late")
    func pausedPipeOfOldLogsLosesNothing() throws {
        // stdin is a pipe, so the run is live and idle ticks move the watermark; loghub's lines are
        // years behind the wall clock, which must not make the second half late.
        let lines = try String(contentsOf: TestPaths.shared("loghub/OpenSSH/OpenSSH_2k.log"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        let half = lines.count / 2
        let stats = temporaryPath("stats.json")
        let input = Pipe()
        let vigil = try RunningVigil(["run", "--rules", "rules/sigma/correlation", "--stats-json", stats], stdin: input)
        input.fileHandleForWriting.write(Data((lines[..<half].joined(separator: "\n") + "\n").utf8))
        usleep(1_500_000)
        input.fileHandleForWriting.write(Data(lines[half...].joined(separator: "\n").utf8))
        try input.fileHandleForWriting.close()
        #expect(vigil.waitForExit() == 0, "\(vigil.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "events") == 2000)
        #expect(integer(json, "correlation", "inputs") > 0)
        #expect(integer(json, "correlation", "late") == 0)
    }

    @Test("SIGINT stops a listeners-only run cleanly")
    func sigintStopsListeners() throws {
        let vigil = try RunningVigil(["run", "--udp", "127.0.0.1:0", "--log-level", "info"])
        try #require(!vigil.listeningPorts(count: 1).isEmpty, "\(vigil.stderr)")
        #expect(vigil.stop(signal: SIGINT) == 0, "\(vigil.stderr)")
        #expect(vigil.stderr.contains("vigil: 0 events"))
    }
}
