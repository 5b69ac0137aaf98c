import Foundation
import Testing
import VigilServer
import VigilTestSupport

/// HTTPS with a throwaway certificate.
@Suite struct TLSTests {
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func servesHTTPSWithSecureCookies() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let cert = directory.file("cert.pem")
        let key = directory.file("key.pem")
        let made = try Self.run(
            "/usr/bin/openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"])
        try #require(made.status == 0, "\(made.output)")

        let fixture = try await ServerFixture(tokens: "root:admin:root-token-0123456789ab\n", tls: (cert, key))
        #expect(fixture.address.url == "https://127.0.0.1:\(fixture.port)")
        let base = "https://127.0.0.1:\(fixture.port)"
        let health = try await onThread {
            try Self.run("/usr/bin/curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(base)/healthz"])
        }
        #expect(health.output == "200")
        let signIn = try await onThread {
            try Self.run(
                "/usr/bin/curl",
                [
                    "-sk", "-D", "-", "-o", "/dev/null", "-H", "Content-Type: application/json", "-d",
                    #"{"token":"root-token-0123456789ab"}"#, "\(base)/session",
                ])
        }
        #expect(signIn.output.contains("HTTP/1.1 204"))
        #expect(signIn.output.lowercased().contains("set-cookie: vigil_session="))
        #expect(signIn.output.contains("; Secure"))
        let alerts = try await onThread {
            try Self.run("/usr/bin/curl", ["-sk", "-H", "Authorization: Bearer root-token-0123456789ab", "\(base)/alerts"])
        }
        #expect(alerts.output == #"{"alerts":[],"next":null}"#)
        // Plain HTTP on the HTTPS port gets nothing useful.
        let plain = try await onThread {
            try Self.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(fixture.port)/healthz"])
        }
        #expect(plain.output != "200")
        await fixture.stop()
    }

    @Test func aKeyThatDoesNotGoWithTheCertificateIsRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        for name in ["a", "b"] {
            let made = try Self.run(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory.file("\(name).key"), "-out",
                    directory.file("\(name).pem"),
                    "-days", "1", "-subj", "/CN=x",
                ])
            try #require(made.status == 0)
        }
        try "not a certificate".write(toFile: directory.file("junk.pem"), atomically: true, encoding: .utf8)
        let store = try AlertStoreForTests(directory: directory)
        defer { store.close() }
        #expect {
            try store.server(cert: directory.file("a.pem"), key: directory.file("b.key"))
        } throws: { error in
            "\(error)".hasPrefix(
                "the TLS private key \(directory.file("b.key")) does not go with the certificate \(directory.file("a.pem"))")
        }
        #expect {
            try store.server(cert: directory.file("junk.pem"), key: directory.file("a.key"))
        } throws: { error in
            "\(error)".contains(directory.file("junk.pem"))
        }
    }
}
