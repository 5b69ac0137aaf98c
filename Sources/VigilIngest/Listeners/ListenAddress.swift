/// `HOST:PORT[,timezone=ZONE]` for `--udp` and `--tcp` (`127.0.0.1:5514`, `[::1]:5514`; port 0 picks a
/// free port). `timezone=` gives the zone of stamps without one that arrive there (RFC 3164).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// IANA zone of zone-less stamps received here; nil: `--timezone` (or a host pattern's zone).
    public var timeZone: String?

    public init(host: String, port: Int, timeZone: String? = nil) {
        self.host = host
        self.port = port
        self.timeZone = timeZone
    }

    /// Parses `HOST:PORT` and the options after it (`,timezone=ZONE`); an IPv6 host goes in brackets.
    public init(parsing text: String) throws(IngestError) {
        var parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let address = String(parts.removeFirst())
        guard let colon = address.lastIndex(of: ":") else { throw .invalidAddress(text) }
        var host = String(address[..<colon])
        let portText = address[address.index(after: colon)...]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(":") || address.hasPrefix("["), let port = Int(portText), (0...65535).contains(port)
        else { throw .invalidAddress(text) }
        self.init(host: host, port: port)
        for option in parts {
            let pair = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, pair[0] == "timezone", !pair[1].isEmpty else { throw .invalidAddress(text) }
            timeZone = String(pair[1])
        }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
