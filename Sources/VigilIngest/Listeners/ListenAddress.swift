/// `HOST:PORT` for `--udp` and `--tcp` (`127.0.0.1:5514`, `[::1]:5514`; port 0 picks a free port).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; an IPv6 host goes in brackets.
    public init(parsing text: String) throws(IngestError) {
        guard let colon = text.lastIndex(of: ":") else { throw .invalidAddress(text) }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(":") || text.hasPrefix("["), let port = Int(portText), (0...65535).contains(port)
        else { throw .invalidAddress(text) }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
