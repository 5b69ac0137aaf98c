import Foundation
import Testing
import VigilTestSupport

/// TLS syslog (RFC 5425) with a throwaway self-signed certificate made by `openssl`, and the warning for
/// listeners bound beyond loopback.
@Suite("vigil run: TLS listener and non-loopback warning", .serialized)
struct TLSListenerEndToEndTests {
    /// A fresh directory with `cert.pem` and `key.pem` (self-signed, CN=localhost, RSA 2048).
    static func makeCertificate() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let status = try runTool(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-keyout", directory.appendingPathComponent("key.pem").path, "-out", directory.appendingPathComponent("cert.pem").path,
            ])
        try #require(status == 0, "openssl req failed")
        return directory
    }

    @Test("Octet-counted messages sent over TLS arrive; the listener is logged as tls")
    func tlsMessagesArrive() throws {
        let certificates = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: certificates) }
        let stats = temporaryPath("stats.json")
        let vigil = try RunningVigil([
            "run", "--tls", "127.0.0.1:0", "--tls-cert", certificates.appendingPathComponent("cert.pem").path,
            "--tls-key", certificates.appendingPathComponent("key.pem").path, "--log-level", "info", "--stats-json", stats,
        ])
        let port = try #require(vigil.listeningPorts(count: 1)["tls"], "\(vigil.stderr)")
        let frames = (0..<50).map { i -> String in
            let message = "<34>1 2003-10-11T22:14:15.003Z host app - - - over tls \(i)"
            return "\(message.utf8.count) \(message)"
        }
        let input = certificates.appendingPathComponent("frames")
        try Data(frames.joined().utf8).write(to: input)
        let status = try runTool(
            "openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-quiet", "-no_ign_eof", "-nocommands"], stdin: input)
        #expect(status == 0)
        usleep(300_000)
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "events") == 50, "\(json)\n\(vigil.stderr)")
        #expect(integer(json, "by_format", "rfc5424") == 50)
        let input0 = (json["inputs"] as? [[String: Any]])?.first ?? [:]
        #expect((input0["name"] as? String)?.hasPrefix("tls 127.0.0.1:") == true, "\(input0)")
    }

    @Test("A plaintext peer on the TLS port is disconnected and counted; a TLS peer still gets through")
    func plaintextPeerOnTLSPort() throws {
        let certificates = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: certificates) }
        let stats = temporaryPath("stats.json")
        let vigil = try RunningVigil([
            "run", "--tls", "127.0.0.1:0", "--tls-cert", certificates.appendingPathComponent("cert.pem").path,
            "--tls-key", certificates.appendingPathComponent("key.pem").path, "--log-level", "info", "--stats-json", stats,
        ])
        let port = try #require(vigil.listeningPorts(count: 1)["tls"], "\(vigil.stderr)")
        let plain = Sockets.connectTCP(port: port)
        Sockets.send(plain, Array("<34>Oct 11 22:14:15 host app: not encrypted\n".utf8))
        #expect(closesWithin(plain, seconds: 3), "the plaintext peer was not disconnected")
        close(plain)
        let input = certificates.appendingPathComponent("frames")
        try Data("13 <34>hello tls".utf8).write(to: input)
        _ = try runTool("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-quiet", "-no_ign_eof", "-nocommands"], stdin: input)
        usleep(300_000)
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "events") == 1, "\(json)")
        #expect(integer(json, "drops", "by_reason", "garbage_peer") == 1, "\(json)")
    }

    @Test(
        "Unreadable, invalid or mismatched --tls-cert / --tls-key stop vigil at start with a message naming the file",
        arguments: ["missing", "garbage", "mismatch"])
    func badCertificateFiles(problem: String) throws {
        let certificates = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: certificates) }
        var cert = certificates.appendingPathComponent("cert.pem").path
        var key = certificates.appendingPathComponent("key.pem").path
        let expected: String
        switch problem {
        case "missing":
            cert = certificates.appendingPathComponent("nothing.pem").path
            expected = "\(cert): cannot read: No such file or directory"
        case "garbage":
            key = certificates.appendingPathComponent("garbage.pem").path
            try Data("this is no key\n".utf8).write(to: URL(fileURLWithPath: key))
            expected = "\(key): not an unencrypted PEM private key (--tls-key)"
        default:
            let other = try Self.makeCertificate()
            defer { try? FileManager.default.removeItem(at: other) }
            key = certificates.appendingPathComponent("other-key.pem").path
            try FileManager.default.copyItem(atPath: other.appendingPathComponent("key.pem").path, toPath: key)
            expected = "cannot use this certificate with this key"
        }
        let result = try runVigil(["run", "--tls", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key])
        #expect(result.status != 0)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test("--tls without --tls-cert and --tls-key is a usage error")
    func tlsNeedsFiles() throws {
        let result = try runVigil(["run", "--tls", "127.0.0.1:0"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--tls needs --tls-cert and --tls-key"), "\(result.stderr)")
    }

    @Test("A listener bound beyond loopback logs that its port is open to the network and unauthenticated", arguments: ["tcp", "udp"])
    func nonLoopbackWarning(transport: String) throws {
        let open = try RunningVigil(["run", "--\(transport)", "0.0.0.0:0", "--log-level", "info"])
        try #require(!open.listeningPorts(count: 1).isEmpty, "\(open.stderr)")
        #expect(open.stop() == 0)
        #expect(open.stderr.contains("is not a loopback address: the port is open to the network and unauthenticated"), "\(open.stderr)")
        let loopback = try RunningVigil(["run", "--\(transport)", "127.0.0.1:0", "--log-level", "info"])
        try #require(!loopback.listeningPorts(count: 1).isEmpty, "\(loopback.stderr)")
        #expect(loopback.stop() == 0)
        #expect(!loopback.stderr.contains("open to the network"), "\(loopback.stderr)")
    }
}

/// Runs a program found on PATH, its output discarded, stdin from `stdin` (or nothing); returns its exit status.
func runTool(_ name: String, _ arguments: [String], stdin: URL? = nil) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [name] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = try stdin.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

/// Whether the peer closes the connection within `seconds` (whatever it sends before, such as a TLS alert).
func closesWithin(_ fd: Int32, seconds: Double) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    var buffer = [UInt8](repeating: 0, count: 4096)
    while Date() < end {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 100) > 0 else { continue }
        if recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)) <= 0 { return true }
    }
    return false
}
