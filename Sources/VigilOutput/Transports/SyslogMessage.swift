#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a syslog output sends: `udp://HOST:PORT` or `tcp://HOST:PORT`.
public struct SyslogAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Transport: String, Sendable, Hashable {
        case udp, tcp
    }

    public var transport: Transport
    /// A host name, an IPv4 address, or an IPv6 address (without its brackets).
    public var host: String
    public var port: Int

    public init(transport: Transport, host: String, port: Int) {
        self.transport = transport
        self.host = host
        self.port = port
    }

    public var description: String {
        "\(transport.rawValue)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// Parses `udp://HOST:PORT` or `tcp://HOST:PORT` strictly: a port from 1 to 65535 is required, an
    /// IPv6 address goes in brackets, and nothing may follow the port.
    ///
    /// - Returns: The address, or a message for the command line saying what is wrong and what is expected.
    public static func parse(_ text: String) -> Result<SyslogAddress, AlertOutputSpecError> {
        let expected = "expected udp://HOST:PORT or tcp://HOST:PORT, e.g. udp://127.0.0.1:514"
        func failure(_ why: String) -> Result<SyslogAddress, AlertOutputSpecError> {
            .failure(AlertOutputSpecError("syslog address '\(text)': \(why); \(expected)"))
        }
        guard let schemeEnd = text.range(of: "://") else { return failure("no scheme") }
        guard let transport = Transport(rawValue: text[..<schemeEnd.lowerBound].lowercased()) else {
            return failure("unknown scheme '\(text[..<schemeEnd.lowerBound])'")
        }
        let rest = text[schemeEnd.upperBound...]
        if rest.contains("/") || rest.contains("?") || rest.contains("#") { return failure("nothing may follow the port (no path)") }
        if rest.contains("@") { return failure("no user name is allowed") }
        let host: Substring, portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return failure("an IPv6 address has no closing ']'") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { return failure("no port") }
            portText = after.dropFirst()
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), host.contains(":") else {
                return failure("'\(host)' is not an IPv6 address")
            }
        } else {
            guard let colon = rest.lastIndex(of: ":") else { return failure("no port") }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
            if host.contains(":") { return failure("an IPv6 address must be written in brackets, e.g. udp://[::1]:514") }
            guard !host.isEmpty else { return failure("no host") }
            guard host.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "." || $0 == "_" }) else {
                return failure("'\(host)' is not a host name or address")
            }
        }
        guard !portText.isEmpty else { return failure("no port") }
        guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText), (1...65535).contains(port) else {
            return failure("port '\(portText)' is not a number from 1 to 65535")
        }
        return .success(SyslogAddress(transport: transport, host: String(host), port: port))
    }
}

/// A syslog facility (RFC 5424 section 6.2.1).
///
/// vigil's default is `local4` (20): no standard daemon uses it, so a receiver can route vigil's
/// alerts by facility without catching anything else, and alerts do not land in `auth.log` beside
/// the logs vigil reads (where `auth` or `authpriv` would put them in a loop).
public struct SyslogFacility: Sendable, Hashable, CustomStringConvertible {
    public let code: Int

    public static let names = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert",
        "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ]

    public static let local4 = SyslogFacility(code: 20)!

    /// nil unless `code` is 0 to 23.
    public init?(code: Int) {
        guard (0...23).contains(code) else { return nil }
        self.code = code
    }

    /// A name (`local4`, `auth`, `security` for 4, `logaudit` for 13) or a number from 0 to 23.
    public init?(_ text: String) {
        let name = text.lowercased()
        if let code = Int(name) {
            self.init(code: code)
        } else if let code = Self.names.firstIndex(of: name) {
            self.init(code: code)
        } else if let code = ["security": 4, "logaudit": 13, "logalert": 14, "cron2": 15][name] {
            self.init(code: code)
        } else {
            return nil
        }
    }

    public var description: String { Self.names[code] }
}

/// RFC 5424 messages for alerts.
///
/// ```
/// <PRI>1 TIMESTAMP HOSTNAME vigil PROCID alert - {"alert":"json"}
/// ```
///
/// - PRI is `facility * 8 + severity`, the severity from the alert's tier: tier 3 (incident) →
///   2 `crit`, tier 2 → 3 `err`, tier 1 (triage) → 4 `warning`. Every alert is at least a warning, so
///   a receiver keeping `*.warning` and above keeps them all; the tiers stay apart.
/// - TIMESTAMP is the time of sending, UTC, to the microsecond (`2026-05-01T12:00:00.123456Z`); the
///   alert's own times are in its JSON.
/// - HOSTNAME is this machine's name (`-` when it has none), APP-NAME `vigil`, PROCID the process
///   id, MSGID `alert`, no structured data.
/// - MSG is the alert's JSON object as is, without a BOM: RFC 5424 allows MSG-ANY, and a BOM would
///   end up in front of the JSON for every receiver that keeps MSG as it came, breaking JSON parsers
///   downstream. The JSON is UTF-8 anyway.
///
/// Over TCP each message is framed by octet counting (RFC 6587 section 3.4.1: `LENGTH SP MESSAGE`, no
/// newline); over UDP it is one datagram.
public enum SyslogMessage {
    /// The severity an alert of `tier` is sent with.
    public static func severity(tier: Int) -> Int {
        switch tier {
        case 3...: 2
        case 2: 3
        default: 4
        }
    }

    /// The header up to and including the space before MSG (`<164>1 … alert - `), for one tier.
    public static func header(facility: SyslogFacility, tier: Int, timestamp: String, hostname: String, processID: Int32) -> [UInt8] {
        Array("<\(facility.code * 8 + severity(tier: tier))>1 \(timestamp) \(hostname) vigil \(processID) alert - ".utf8)
    }

    /// The current time as an RFC 5424 TIMESTAMP, UTC with microseconds.
    public static func timestampNow() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):"
            + "\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(now.tv_nsec / 1000), 6))Z"
    }

    /// This machine's name as a HOSTNAME field: printable ASCII without spaces, at most 255 bytes, `-`
    /// when there is none.
    public static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "-" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let clean = String(name.unicodeScalars.filter { $0.value >= 33 && $0.value <= 126 }.prefix(255).map(Character.init))
        return clean.isEmpty ? "-" : clean
    }
}
