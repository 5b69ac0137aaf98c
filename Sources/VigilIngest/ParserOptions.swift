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

    public var format: FormatChoice
    /// IANA zone for RFC 3164 timestamps, which carry none (`UTC` by default).
    public var timeZone: String
    /// JSON members that give the event time, tried in order (RFC 3339, or epoch seconds/milliseconds).
    public var jsonTimeKeys: [String]

    public init(format: FormatChoice = .auto, timeZone: String = "UTC", jsonTimeKeys: [String] = ["timestamp", "@timestamp", "time", "ts"])
    {
        self.format = format
        self.timeZone = timeZone
        self.jsonTimeKeys = jsonTimeKeys
    }
}
