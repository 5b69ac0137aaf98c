import ArgumentParser

/// The analyst's desk (`vigil run --http`): the alert store, the HTTP API, the live stream and the console.
struct ConsoleOptions: ParsableArguments {
    @Option(
        name: .customLong("http"),
        help: ArgumentHelp(
            "Serve the console, the alert API, the live alert stream and /metrics on HOST:PORT (alerts are stored in --state-dir/alerts.sqlite). Anything but loopback needs --http-token-file and --http-tls-cert/--http-tls-key.",
            valueName: "host:port"))
    var http: String?

    @Option(
        name: .customLong("http-token-file"),
        help: ArgumentHelp(
            "Who may use the console: one name:role:token per line (roles viewer, analyst, analyst=1,2, admin).", valueName: "file"))
    var tokenFile: String?

    @Option(name: .customLong("http-tls-cert"), help: ArgumentHelp("Serve HTTPS with this certificate (PEM).", valueName: "file"))
    var tlsCertificate: String?

    @Option(name: .customLong("http-tls-key"), help: ArgumentHelp("The private key of --http-tls-cert (PEM).", valueName: "file"))
    var tlsKey: String?

    @Option(
        name: .customLong("alert-retention"),
        help: ArgumentHelp("How long the alert store keeps alerts (by detection time): 90d, 12h.", valueName: "duration"))
    var alertRetention: String = "90d"

    /// `HOST:PORT` split (`[::1]:8080` for IPv6).
    static func hostAndPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }

    func validate() throws {
        if let http, Self.hostAndPort(http) == nil { throw ValidationError("--http '\(http)': expected HOST:PORT, such as 127.0.0.1:8765") }
        if http == nil {
            for (name, value) in [("--http-token-file", tokenFile), ("--http-tls-cert", tlsCertificate), ("--http-tls-key", tlsKey)]
            where value != nil {
                throw ValidationError("\(name) needs --http")
            }
        }
        if (tlsCertificate == nil) != (tlsKey == nil) { throw ValidationError("--http-tls-cert and --http-tls-key go together") }
        guard try DurationOption.parse(alertRetention, option: "--alert-retention") > .zero else {
            throw ValidationError("--alert-retention must be more than zero")
        }
    }
}
