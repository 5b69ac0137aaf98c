import VigilEvent

/// What vigil reports: a detection (one event matched a rule) or a correlation (a group of detections
/// met a correlation rule's condition within a window).
public struct Alert: Sendable {
    public enum Kind: String, Sendable {
        case detection
        case correlation
    }

    /// The rule an alert comes from, as printed.
    public struct Rule: Sendable, Hashable {
        public var id: String
        public var name: String?
        public var title: String
        public var level: String
        public var tags: [String]

        public init(id: String, name: String? = nil, title: String, level: String, tags: [String] = []) {
            self.id = id
            self.name = name
            self.title = title
            self.level = level
            self.tags = tags
        }
    }

    /// The value a correlation condition tested (`event_count` = 7, `value_count` of `user` = 12, ...).
    public struct Metric: Sendable, Hashable {
        public var name: String
        public var value: Double

        public init(name: String, value: Double) {
            self.name = name
            self.value = value
        }
    }

    /// Lifecycle of a correlation episode under `--emit episodes`.
    public struct Episode: Sendable, Hashable {
        public enum State: String, Sendable {
            case opened
            case closed
        }
        public var id: UInt64
        public var state: State
        /// Qualifying windows absorbed so far.
        public var windows: Int
        /// Contributing events so far.
        public var events: Int
        public var firstSeen: Timestamp
        public var lastSeen: Timestamp

        public init(id: UInt64, state: State, windows: Int, events: Int, firstSeen: Timestamp, lastSeen: Timestamp) {
            self.id = id
            self.state = state
            self.windows = windows
            self.events = events
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
        }
    }

    public var kind: Kind
    /// Event time of the alert: the matching event's time, or the end of the correlation window.
    public var time: Timestamp
    public var rule: Rule
    /// Detections: the event as `vigil parse` prints it (JSON object text).
    public var event: String?
    /// Correlations: group-by field values in rule order.
    public var group: [(name: String, value: String?)]
    public var metric: Metric?
    public var windowStart: Timestamp?
    public var windowEnd: Timestamp?
    /// Correlations: evidence, the contributing events' JSON (bounded sample).
    public var events: [String]
    public var episode: Episode?

    public init(
        kind: Kind,
        time: Timestamp,
        rule: Rule,
        event: String? = nil,
        group: [(name: String, value: String?)] = [],
        metric: Metric? = nil,
        windowStart: Timestamp? = nil,
        windowEnd: Timestamp? = nil,
        events: [String] = [],
        episode: Episode? = nil
    ) {
        self.kind = kind
        self.time = time
        self.rule = rule
        self.event = event
        self.group = group
        self.metric = metric
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.events = events
        self.episode = episode
    }
}
