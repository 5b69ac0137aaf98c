import VigilEvent

/// What vigil reports: a detection (one event matched a rule), a correlation (a group of detections
/// met a correlation rule's condition within a window), or a health alert (vigil could not see
/// everything: drops, late events, shed state). docs/alerts.md gives the schema.
public struct Alert: Sendable {
    public enum Kind: String, Sendable {
        case detection
        case correlation
        case health
    }

    /// The rule an alert comes from, as printed.
    public struct Rule: Sendable, Hashable {
        public var id: String
        public var name: String?
        public var title: String
        public var level: String
        public var tags: [String]
        /// The file the rule was loaded from (nil for vigil's own health rules).
        public var file: String?

        public init(id: String, name: String? = nil, title: String, level: String, tags: [String] = [], file: String? = nil) {
            self.id = id
            self.name = name
            self.title = title
            self.level = level
            self.tags = tags
            self.file = file
        }

        /// How summaries and tier overrides name the rule: its `name`, else its `id`.
        public var label: String { name ?? id }
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

    /// Lifecycle of an episode: the detections of one rule and entity, or the qualifying windows of
    /// one correlation group, folded while they keep coming (not under `--emit all`).
    public struct Episode: Sendable, Hashable {
        public enum State: String, Sendable {
            case opened
            case updated
            case closed
        }
        public var id: UInt64
        public var state: State
        /// Qualifying windows absorbed so far (correlations; 0 for detections).
        public var windows: Int
        /// Detections (or, for a correlation, contributing events) absorbed so far: `episode.count`.
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
    /// The alert's identity (see ``AlertID``); set when the alert is finished for output.
    public var id: AlertID?
    /// Wall-clock time the alert was finished for output (the one field a replay changes).
    public var detectedAt: Timestamp?
    /// Triage tier, 1 (triage) to 3 (incident), set by the tier policy.
    public var tier: Int = 1
    /// The tier the alert had before its episode escalated, when it did.
    public var escalatedFrom: Int?
    /// With `--archive`: the archive sequence numbers of the evidence events (`vigil show --archive DIR
    /// SEQUENCE` prints them as received).
    public var archiveReferences: [UInt64] = []
    /// The host the alert is about, when one host is: a detection's event's, a correlation's `host`
    /// group value.
    public var host: String?

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
