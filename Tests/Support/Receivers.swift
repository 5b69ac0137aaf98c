import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh directory under the temporary folder, removed by ``remove()``.
public struct TemporaryDirectory {
    public let path: String

    public init() {
        var template = Array("\(NSTemporaryDirectory())/vigil-output-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
@discardableResult
public func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// A TCP port on 127.0.0.1 that nothing listened on a moment ago (bound to port 0, then released).
public func freePort(type: Int32 = Int32(SOCK_STREAM.rawValue)) -> Int {
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
public func isListening(port: Int) -> Bool {
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

/// A syslog-ng started by a test on 127.0.0.1: RFC 5424 over UDP and over TCP (octet counting), each
/// written to its own file as `PRI PROGRAM PID MSGID MSG`.
public final class SyslogNG {
    /// The syslog-ng binary (Debian package `syslog-ng-core`), or nil.
    public static let binary: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = ["/usr/sbin", "/usr/bin", "/sbin", "/usr/local/sbin"] + path.split(separator: ":").map(String.init)
        return candidates.map { "\($0)/syslog-ng" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    public let directory: TemporaryDirectory
    public let udpPort: Int
    public let tcpPort: Int
    private var process: Process?

    public var udpFile: String { directory.file("udp.log") }
    public var tcpFile: String { directory.file("tcp.log") }
    public var stderrFile: String { directory.file("syslog-ng.err") }

    public init(directory: TemporaryDirectory) throws {
        self.directory = directory
        udpPort = freePort(type: Int32(SOCK_DGRAM.rawValue))
        tcpPort = freePort()
        let template = #"template("${PRI} ${PROGRAM} ${PID} ${MSGID} ${MSG}\n") flush-lines(1)"#
        let config = """
            @version: 3.38
            options { log-msg-size(1048576); keep-hostname(yes); };
            source s_udp { syslog(ip("127.0.0.1") port(\(udpPort)) transport("udp") so-rcvbuf(4194304)); };
            source s_tcp { syslog(ip("127.0.0.1") port(\(tcpPort)) transport("tcp")); };
            destination d_udp { file("\(udpFile)" \(template)); };
            destination d_tcp { file("\(tcpFile)" \(template)); };
            log { source(s_udp); destination(d_udp); };
            log { source(s_tcp); destination(d_tcp); };

            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: directory.file("syslog-ng.conf")))
    }

    /// Starts syslog-ng in the foreground and waits until its TCP source accepts connections.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary!)
        process.arguments = [
            "-F", "--no-caps", "-f", directory.file("syslog-ng.conf"), "-R", directory.file("persist"), "-p", directory.file("pid"),
            "-c", directory.file("ctl"),
        ]
        _ = FileManager.default.createFile(atPath: stderrFile, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrFile))
        try log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        guard waitUntil(timeout: .seconds(15), { isListening(port: tcpPort) || !process.isRunning }), process.isRunning else {
            let message = (try? String(contentsOfFile: stderrFile, encoding: .utf8)) ?? ""
            stop()
            throw SyslogNGFailure(message: "syslog-ng did not start: \(message)")
        }
    }

    public func stop() {
        guard let process, process.isRunning else { return }
        // SIGKILL, not SIGTERM: a child started from a test's thread inherits its signal mask, in
        // which SIGTERM is blocked, and would never stop.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    public func lines(_ file: String) -> [String] {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public struct SyslogNGFailure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}

/// A real HTTP receiver on 127.0.0.1: Python's `http.server`, which writes each POST body it accepts as
/// one line (with its `Content-Type` and `Authorization` headers) and answers 503 to the first
/// `failFirst` requests.
public final class HTTPReceiver {
    public static let script = #"""
        import http.server, json, sys
        port, out, fail_first = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            requests = 0
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                Handler.requests += 1
                status = 503 if Handler.requests <= fail_first else 200
                if status == 200:
                    json.loads(body)  # a body that is not JSON fails the request (500)
                    record = {"type": self.headers.get("Content-Type"), "auth": self.headers.get("Authorization"),
                              "path": self.path, "body": body.decode()}
                    with open(out, "a") as f:
                        f.write(json.dumps(record) + "\n")
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def log_message(self, *args):
                pass
        http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
        """#

    public let port: Int
    public let directory: TemporaryDirectory
    private var process: Process?

    public var recordsFile: String { directory.file("requests.jsonl") }

    public init(directory: TemporaryDirectory, port: Int = freePort()) throws {
        self.port = port
        self.directory = directory
        try Data(Self.script.utf8).write(to: URL(fileURLWithPath: directory.file("receiver.py")))
    }

    public func start(failFirst: Int = 0) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory.file("receiver.py"), String(port), recordsFile, String(failFirst)]
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        guard waitUntil(timeout: .seconds(15), { isListening(port: port) || !process.isRunning }), process.isRunning else {
            throw ToolFailed(message: "the HTTP receiver (python3) did not start")
        }
    }

    public func stop() {
        guard let process, process.isRunning else { return }
        // SIGKILL, not SIGTERM: a child started from a test's thread inherits its signal mask, in
        // which SIGTERM is blocked, and would never stop.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Each accepted request: its headers and the numbers of the alerts in its JSON array.
    public func requests() -> [(type: String?, auth: String?, numbers: [Int])] {
        let text = (try? String(contentsOfFile: recordsFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let body = record["body"] as? String,
                let alerts = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]
            else { return nil }
            return (record["type"] as? String, record["auth"] as? String, alerts.compactMap { $0["n"] as? Int })
        }
    }

    public struct ToolFailed: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
