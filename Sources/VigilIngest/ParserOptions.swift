import Foundation
import VigilEvent

/// How messages are parsed; set from `--format`, `--timezone` and the JSON time-key option.
public struct ParserOptions: Sendable {
    /// Which parser to use for every message.
    public enum FormatChoice: Sendable, Hashable {
        /// Detect per message: RFC 5424, RFC 3164 (with or without PRI), JSON object, else raw.
        case auto
        /// Use one format for every message (`raw` skips parsing).
        case forced(EventFormat)
    }

    /// Options that cannot work, reported before any input is read.
    public struct InvalidOption: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Detect the format per message (default) or force one (`--format`).
    public var format: FormatChoice
    /// IANA zone for RFC 3164 timestamps, which carry none (`UTC` by default). Also used for JSON times
    /// written without an offset.
    public var timeZone: String
    /// JSON members that give the event time, tried in order (RFC 3339, or epoch seconds/milliseconds).
    public var jsonTimeKeys: [String]
    /// Require valid UTF-8 after an RFC 5424 BOM, as the RFC says (go-syslog's `WithCompliantMsg`).
    /// Off by default: such a message keeps its header, and its text is repaired only on output.
    public var strictMessageEncoding: Bool
    /// The year of RFC 3164 stamps (which carry none), for replaying old files reproducibly (`--year`);
    /// nil infers it from the receive time.
    public var year: Int? = nil
    /// Zones of RFC 3164 stamps by sending host: the first pattern (`*` and `?` wildcards, ASCII case
    /// ignored) that matches the header's host name gives the zone (`--host-timezone PATTERN=ZONE`).
    /// Hosts that match none use the listener's zone, else ``timeZone``.
    public var hostTimeZones: [HostTimeZone] = []

    /// One host pattern and its zone.
    public struct HostTimeZone: Sendable, Hashable {
        public var pattern: String
        public var zone: String

        public init(pattern: String, zone: String) {
            self.pattern = pattern
            self.zone = zone
        }

        /// `PATTERN=ZONE`, as the command line writes it.
        public init(parsing text: String) throws(InvalidOption) {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw InvalidOption(description: "'\(text)': expected HOST-PATTERN=ZONE, e.g. 'web-*=America/New_York'")
            }
            self.init(pattern: String(text[..<equals]), zone: String(text[text.index(after: equals)...]))
        }
    }

    /// Options with vigil's defaults: auto-detection, UTC, the usual JSON time keys, lenient BOM text.
    public init(
        format: FormatChoice = .auto,
        timeZone: String = "UTC",
        jsonTimeKeys: [String] = ["timestamp", "@timestamp", "time", "ts"],
        strictMessageEncoding: Bool = false
    ) {
        self.format = format
        self.timeZone = timeZone
        self.jsonTimeKeys = jsonTimeKeys
        self.strictMessageEncoding = strictMessageEncoding
    }

    /// Checks what can be checked before parsing: the zone must be a known IANA name.
    /// (``BatchParser`` falls back to UTC for an unknown zone; call this first to fail instead.)
    public func validate() throws(InvalidOption) {
        try Self.validate(zone: timeZone)
        for entry in hostTimeZones { try Self.validate(zone: entry.zone) }
    }

    /// Checks that `zone` is a known IANA name (an empty or unknown one is an error, never UTC).
    public static func validate(zone: String) throws(InvalidOption) {
        guard TimeZone(identifier: zone) != nil else {
            throw InvalidOption(description: "unknown time zone '\(zone)' (expected an IANA name such as Europe/Paris)")
        }
    }
}
