import VigilEvent

extension Alert {
    /// Appends the alert as one JSON object (no newline).
    public func appendJSON(to out: inout [UInt8]) {
        Self.appendHead(kind: kind, time: time, to: &out)
        rule.appendJSON(to: &out)
        if kind == .correlation {
            Self.appendWindowBody(group: group, metric: metric, windowStart: windowStart, windowEnd: windowEnd, to: &out)
            if let episode {
                JSONOutput.appendRaw(#","episode":{"id":"#, to: &out)
                JSONOutput.appendInteger(episode.id, to: &out)
                switch episode.state {
                case .opened: JSONOutput.appendRaw(#","state":"opened","windows":"#, to: &out)
                case .closed: JSONOutput.appendRaw(#","state":"closed","windows":"#, to: &out)
                }
                JSONOutput.appendInteger(episode.windows, to: &out)
                JSONOutput.appendRaw(#","events":"#, to: &out)
                JSONOutput.appendInteger(episode.events, to: &out)
                JSONOutput.appendRaw(#","first_seen":""#, to: &out)
                episode.firstSeen.appendRFC3339(to: &out, fractionDigits: 6)
                JSONOutput.appendRaw(#"","last_seen":""#, to: &out)
                episode.lastSeen.appendRFC3339(to: &out, fractionDigits: 6)
                JSONOutput.appendRaw(#""}"#, to: &out)
            }
            JSONOutput.appendRaw(#","events":["#, to: &out)
            for (i, e) in events.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: e.utf8)
            }
            out.append(UInt8(ascii: "]"))
        } else if let event {
            JSONOutput.appendRaw(#","event":"#, to: &out)
            out.append(contentsOf: event.utf8)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Appends a correlation window alert without episode as ``appendJSON(to:)`` writes it, up to and
    /// including the opening `[` of its evidence array, from a rule rendered once (``Rule/appendJSON(to:)``).
    /// Chained correlations keep each child window in this form without building an `Alert`.
    public static func appendWindowPrefix(
        time: Timestamp, rule: UnsafeRawBufferPointer, group: [(name: String, value: String?)], metric: Metric,
        windowStart: Timestamp, windowEnd: Timestamp, to out: inout [UInt8]
    ) {
        appendHead(kind: .correlation, time: time, to: &out)
        out.append(contentsOf: rule)
        appendWindowBody(group: group, metric: metric, windowStart: windowStart, windowEnd: windowEnd, to: &out)
        JSONOutput.appendRaw(#","events":["#, to: &out)
    }

    /// A correlation alert's `group`, `metric` and `window` members.
    private static func appendWindowBody(
        group: [(name: String, value: String?)], metric: Metric?, windowStart: Timestamp?, windowEnd: Timestamp?,
        to out: inout [UInt8]
    ) {
        JSONOutput.appendRaw(#","group":{"#, to: &out)
        for (i, entry) in group.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONOutput.appendKey(entry.name, to: &out)
            if let v = entry.value { JSONOutput.appendString(v, to: &out) } else { JSONOutput.appendRaw("null", to: &out) }
        }
        out.append(UInt8(ascii: "}"))
        if let metric {
            JSONOutput.appendRaw(#","metric":{"name":"#, to: &out)
            JSONOutput.appendString(metric.name, to: &out)
            JSONOutput.appendRaw(#","value":"#, to: &out)
            JSONOutput.appendDouble(metric.value, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        if let windowStart, let windowEnd {
            JSONOutput.appendRaw(#","window":{"start":""#, to: &out)
            windowStart.appendRFC3339(to: &out, fractionDigits: 6)
            JSONOutput.appendRaw(#"","end":""#, to: &out)
            windowEnd.appendRFC3339(to: &out, fractionDigits: 6)
            JSONOutput.appendRaw(#""}"#, to: &out)
        }
    }

    /// Appends a detection alert as ``appendJSON(to:)`` writes it, from parts a caller renders once:
    /// `rule` from ``Rule/appendJSON(to:)`` (once per rule) and `event`, the event's JSON (once per event,
    /// however many rules it matched). The pipeline writes one per detection without building an `Alert`.
    public static func appendDetectionJSON(
        time: Timestamp, rule: UnsafeRawBufferPointer, event: UnsafeRawBufferPointer, to out: inout [UInt8]
    ) {
        appendHead(kind: .detection, time: time, to: &out)
        out.append(contentsOf: rule)
        JSONOutput.appendRaw(#","event":"#, to: &out)
        out.append(contentsOf: event)
        out.append(UInt8(ascii: "}"))
    }

    /// Offset of the opening quote of the time in a detection alert's JSON (`{"kind":"detection","time":`).
    public static let detectionHeadTimeOffset = 27

    /// `{"kind":"…","time":"…","rule":`: how every alert starts.
    private static func appendHead(kind: Kind, time: Timestamp, to out: inout [UInt8]) {
        switch kind {
        case .detection: JSONOutput.appendRaw(#"{"kind":"detection","time":""#, to: &out)
        case .correlation: JSONOutput.appendRaw(#"{"kind":"correlation","time":""#, to: &out)
        }
        time.appendRFC3339(to: &out, fractionDigits: 6)
        JSONOutput.appendRaw(#"","rule":"#, to: &out)
    }

    /// The alert as one JSON line (without the newline).
    public var jsonLine: String {
        var out: [UInt8] = []
        appendJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

extension Alert.Rule {
    /// Appends the rule as the `rule` object of an alert: `id`, `name` when it has one, `title`,
    /// `level`, `tags`.
    public func appendJSON(to out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":".utf8)
        JSONOutput.appendString(id, to: &out)
        if let name {
            out.append(contentsOf: ",\"name\":".utf8)
            JSONOutput.appendString(name, to: &out)
        }
        out.append(contentsOf: ",\"title\":".utf8)
        JSONOutput.appendString(title, to: &out)
        out.append(contentsOf: ",\"level\":".utf8)
        JSONOutput.appendString(level, to: &out)
        out.append(contentsOf: ",\"tags\":[".utf8)
        for (i, tag) in tags.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONOutput.appendString(tag, to: &out)
        }
        out.append(contentsOf: "]}".utf8)
    }
}
