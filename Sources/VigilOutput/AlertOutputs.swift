import Foundation
import Logging

/// A message for the command line: a bad output spec, an `--alerts` file that cannot be opened.
public struct AlertOutputSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Builds outputs from what the command line says.
///
/// A network output is one spec string: an address, then options after commas:
///
/// ```
/// udp://127.0.0.1:5514                 syslog over UDP (RFC 5424)
/// tcp://siem.example:6514,min-tier=2   syslog over TCP (RFC 5424, octet counting), tiers 2 and 3
/// tcp://[::1]:514,facility=local0      another facility (default local4)
/// https://hooks.example/vigil,min-tier=3
/// ```
///
/// Options: `min-tier=N` (1 to 3, default 1: the lowest tier the output takes) for every output,
/// `facility=NAME` (a syslog facility name or number) for syslog. A comma inside a URL must be written
/// `%2C`. Each output queues, retries and spools on its own (``QueuedOutput``); its spool lives under
/// `<stateDirectory>/spool/`.
public enum AlertOutputs {
    /// A parsed spec: where to, the lowest tier, and the other options.
    public struct Spec: Sendable, Hashable {
        public enum Target: Sendable, Hashable {
            case syslog(SyslogAddress, SyslogFacility)
            case webhook(url: String)
        }

        public var target: Target
        public var minimumTier: Int

        /// How logs, the run summary and the spool file name the output: `syslog udp://127.0.0.1:5514`,
        /// `webhook https://host/path` (user, password and query left out: they often hold secrets).
        public var name: String {
            switch target {
            case .syslog(let address, _): "syslog \(address)"
            case .webhook(let url): "webhook \(WebhookTransport.redacted(url))"
            }
        }
    }

    /// Parses a spec without building anything (for checking a command line early).
    public static func parse(_ spec: String) -> Result<Spec, AlertOutputSpecError> {
        let parts = spec.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let address = parts[0]
        guard !address.isEmpty else { return .failure(AlertOutputSpecError("alert output '\(spec)': no address")) }
        var minimumTier = 1
        var facility: SyslogFacility?
        let known = "min-tier=N (1-3), facility=NAME (syslog)"
        for option in parts.dropFirst() {
            guard let equals = option.firstIndex(of: "=") else {
                return .failure(AlertOutputSpecError("alert output '\(spec)': option '\(option)' is not NAME=VALUE (options: \(known))"))
            }
            let key = option[..<equals].lowercased(), value = String(option[option.index(after: equals)...])
            switch key {
            case "min-tier":
                guard let tier = Int(value), (1...3).contains(tier) else {
                    return .failure(AlertOutputSpecError("alert output '\(spec)': min-tier must be 1, 2 or 3, not '\(value)'"))
                }
                minimumTier = tier
            case "facility":
                guard let parsed = SyslogFacility(value) else {
                    return .failure(
                        AlertOutputSpecError(
                            "alert output '\(spec)': unknown syslog facility '\(value)' (a name such as local4, auth, daemon, or 0-23)"))
                }
                facility = parsed
            default:
                return .failure(AlertOutputSpecError("alert output '\(spec)': unknown option '\(key)' (options: \(known))"))
            }
        }
        let scheme = address.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        switch scheme {
        case "udp", "tcp":
            switch SyslogAddress.parse(address) {
            case .success(let parsed):
                return .success(Spec(target: .syslog(parsed, facility ?? .local4), minimumTier: minimumTier))
            case .failure(let error):
                return .failure(error)
            }
        case "http", "https":
            if facility != nil { return .failure(AlertOutputSpecError("alert output '\(spec)': facility= applies to syslog outputs only")) }
            if let problem = WebhookTransport.validate(address) { return .failure(AlertOutputSpecError(problem)) }
            return .success(Spec(target: .webhook(url: address), minimumTier: minimumTier))
        default:
            return .failure(
                AlertOutputSpecError(
                    "alert output '\(spec)': expected udp://HOST:PORT or tcp://HOST:PORT (syslog) or an http:// or https:// URL (webhook), then options such as ,min-tier=2"
                ))
        }
    }

    /// Builds the output a spec names, its thread started and its spool (if any) under `stateDirectory`.
    ///
    /// - Parameters:
    ///   - webhook: Headers (`Authorization`), time-outs and batch size of webhook requests; ignored for syslog.
    ///   - options: The queue's limits and retry policy; its `stateDirectory` is replaced by the one given.
    /// - Returns: The output, or a message for the command line.
    public static func make(
        spec: String, stateDirectory: String?, logger: Logger, webhook: WebhookTransport.Options = WebhookTransport.Options(),
        options: QueuedOutput.Options = QueuedOutput.Options()
    ) -> Result<QueuedOutput, AlertOutputSpecError> {
        let parsed: Spec
        switch parse(spec) {
        case .success(let spec): parsed = spec
        case .failure(let error): return .failure(error)
        }
        var options = options
        options.stateDirectory = stateDirectory
        let transport: any AlertTransport
        switch parsed.target {
        case .syslog(let address, let facility):
            var transportLogger = logger
            transportLogger[metadataKey: "output"] = "\(parsed.name)"
            transport = SyslogTransport(address: address, facility: facility, logger: transportLogger)
        case .webhook(let url):
            transport = WebhookTransport(url: url, options: webhook)
        }
        return .success(
            QueuedOutput(name: parsed.name, minimumTier: parsed.minimumTier, transport: transport, options: options, logger: logger))
    }

    /// Alerts on standard output (`stdout`). `onClosed` runs once when the reader goes away.
    public static func standardOutput(
        minimumTier: Int = 1, stateDirectory: String?, logger: Logger, options: QueuedOutput.Options = QueuedOutput.Options(),
        onClosed: @escaping @Sendable () -> Void = {}
    ) -> QueuedOutput {
        var options = options
        options.stateDirectory = stateDirectory
        let transport = FileDescriptorTransport(fd: 1, label: "standard output", onClosed: onClosed)
        return QueuedOutput(name: "stdout", minimumTier: minimumTier, transport: transport, options: options, logger: logger)
    }

    /// Alerts appended to `path` (`--alerts FILE`, named `file PATH`), rotated by size when `rotation` is given.
    ///
    /// - Returns: The output, or a message naming the path and why it cannot be opened.
    public static func file(
        path: String, rotation: FileTransport.Rotation? = nil, minimumTier: Int = 1, stateDirectory: String?, logger: Logger,
        options: QueuedOutput.Options = QueuedOutput.Options()
    ) -> Result<QueuedOutput, AlertOutputSpecError> {
        switch FileTransport.open(path: path, rotation: rotation) {
        case .success(let transport):
            var options = options
            options.stateDirectory = stateDirectory
            return .success(
                QueuedOutput(name: "file \(path)", minimumTier: minimumTier, transport: transport, options: options, logger: logger))
        case .failure(let error):
            return .failure(error)
        }
    }
}
