import VigilEvent

extension Alert {
    /// Appends the alert as one JSON object (no newline), in the schema of docs/alerts.md:
    /// `id`, `kind`, `time`, `detected_at`, `tier`, `rule`, `entity`, `host`, `metric`, `window`,
    /// `episode`, `escalated_from`, then the evidence (`event` or `events`). Members without a value are
    /// left out.
    public func appendJSON(to out: inout [UInt8]) {
        Self.appendHead(id: id, kind: kind, time: time, detectedAt: detectedAt, tier: tier, to: &out)
        rule.appendJSON(to: &out)
        if kind != .detection || !group.isEmpty { Self.appendEntity(group, to: &out) }
        if let host {
            JSONOutput.appendRaw(#","host":"#, to: &out)
            JSONOutput.appendString(host, to: &out)
        }
        Self.appendWindowBody(metric: metric, windowStart: windowStart, windowEnd: windowEnd, to: &out)
        if let episode {
            JSONOutput.appendRaw(#","episode":{"id":"#, to: &out)
            JSONOutput.appendInteger(episode.id, to: &out)
            JSONOutput.appendRaw(#","state":""#, to: &out)
            out.append(contentsOf: episode.state.rawValue.utf8)
            JSONOutput.appendRaw(#"","count":"#, to: &out)
            JSONOutput.appendInteger(episode.events, to: &out)
            if kind == .correlation {
                JSONOutput.appendRaw(#","windows":"#, to: &out)
                JSONOutput.appendInteger(episode.windows, to: &out)
            }
            JSONOutput.appendRaw(#","first_seen":""#, to: &out)
            episode.firstSeen.appendRFC3339(to: &out, fractionDigits: 6)
            JSONOutput.appendRaw(#"","last_seen":""#, to: &out)
            episode.lastSeen.appendRFC3339(to: &out, fractionDigits: 6)
            JSONOutput.appendRaw(#""}"#, to: &out)
        }
        if let escalatedFrom {
            JSONOutput.appendRaw(#","escalated_from":"#, to: &out)
            JSONOutput.appendInteger(escalatedFrom, to: &out)
        }
        if kind == .correlation || event == nil {
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
        if !archiveReferences.isEmpty {
            JSONOutput.appendRaw(#","archive_refs":["#, to: &out)
            for (i, reference) in archiveReferences.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONOutput.appendInteger(reference, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Appends a correlation window as chained correlations keep a child window in their evidence, up
    /// to and including the opening `[` of its evidence array, from a rule rendered once
    /// (``Rule/appendJSON(to:)``): `kind`, `time`, `rule`, `entity`, `metric`, `window`, `events` (no
    /// id, tier or episode: it is evidence, not an alert of its own).
    public static func appendWindowPrefix(
        time: Timestamp, rule: UnsafeRawBufferPointer, group: [(name: String, value: String?)], metric: Metric,
        windowStart: Timestamp, windowEnd: Timestamp, to out: inout [UInt8]
    ) {
        JSONOutput.appendRaw(#"{"kind":"correlation","time":""#, to: &out)
        time.appendRFC3339(to: &out, fractionDigits: 6)
        JSONOutput.appendRaw(#"","rule":"#, to: &out)
        out.append(contentsOf: rule)
        appendEntity(group, to: &out)
        appendWindowBody(metric: metric, windowStart: windowStart, windowEnd: windowEnd, to: &out)
        JSONOutput.appendRaw(#","events":["#, to: &out)
    }

    /// `,"entity":{…}`: the group-by values, or a detection's suppression key values.
    private static func appendEntity(_ group: [(name: String, value: String?)], to out: inout [UInt8]) {
        JSONOutput.appendRaw(#","entity":{"#, to: &out)
        for (i, entry) in group.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONOutput.appendKey(entry.name, to: &out)
            if let v = entry.value { JSONOutput.appendString(v, to: &out) } else { JSONOutput.appendRaw("null", to: &out) }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A correlation alert's `metric` and `window` members.
    private static func appendWindowBody(metric: Metric?, windowStart: Timestamp?, windowEnd: Timestamp?, to out: inout [UInt8]) {
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

    /// Appends a detection alert under `--emit all` as ``appendJSON(to:)`` writes it, from parts a
    /// caller renders once: `rule` from ``Rule/appendJSON(to:)`` (once per rule) and `event`, the event's
    /// JSON (once per event, however many rules it matched). The id and detection time are written as
    /// zeros, to be filled in order by the sequencer: returns where the id's 32 digits and the
    /// opening quote of the alert's event time and of `detected_at` are. The workers write one per
    /// detection without building an `Alert`.
    @discardableResult
    public static func appendDetectionJSON(
        time: Timestamp, tier: Int, rule: UnsafeRawBufferPointer, host: UnsafeRawBufferPointer?, event: UnsafeRawBufferPointer,
        to out: inout [UInt8]
    ) -> (id: Int, time: Int, detectedAt: Int) {
        let start = out.count
        let offsets = appendHead(id: nil, kind: .detection, time: time, detectedAt: nil, tier: tier, to: &out)
        out.append(contentsOf: rule)
        if let host {
            JSONOutput.appendRaw(#","host":"#, to: &out)
            JSONOutput.appendString(host, to: &out)
        }
        JSONOutput.appendRaw(#","event":"#, to: &out)
        out.append(contentsOf: event)
        out.append(UInt8(ascii: "}"))
        return (start + offsets.id, start + offsets.time, start + offsets.detectedAt)
    }

    /// `{"id":"…","kind":"…","time":"…","detected_at":"…","tier":N,"rule":`: how every alert starts. A
    /// missing id or detection time is written as zeros of the same width, to be filled in later.
    /// Returns the offsets (from the alert's start) of the id's digits, and of the opening quotes of
    /// the time and of `detected_at`.
    @discardableResult
    private static func appendHead(
        id: AlertID?, kind: Kind, time: Timestamp, detectedAt: Timestamp?, tier: Int, to out: inout [UInt8]
    ) -> (id: Int, time: Int, detectedAt: Int) {
        let start = out.count
        JSONOutput.appendRaw(#"{"id":""#, to: &out)
        let idOffset = out.count - start
        (id ?? AlertID(high: 0, low: 0)).appendHex(to: &out)
        JSONOutput.appendRaw(#"","kind":""#, to: &out)
        out.append(contentsOf: kind.rawValue.utf8)
        JSONOutput.appendRaw(#"","time":"#, to: &out)
        let timeOffset = out.count - start
        out.append(UInt8(ascii: "\""))
        time.appendRFC3339(to: &out, fractionDigits: 6)
        JSONOutput.appendRaw(#"","detected_at":"#, to: &out)
        let detectedOffset = out.count - start
        out.append(UInt8(ascii: "\""))
        (detectedAt ?? Timestamp(nanoseconds: 0)).appendRFC3339(to: &out, fractionDigits: 6)
        JSONOutput.appendRaw(#"","tier":"#, to: &out)
        JSONOutput.appendInteger(tier, to: &out)
        JSONOutput.appendRaw(#","rule":"#, to: &out)
        return (idOffset, timeOffset, detectedOffset)
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
    /// `level`, `tags`, `file` when it has one.
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
        out.append(UInt8(ascii: "]"))
        if let file {
            out.append(contentsOf: ",\"file\":".utf8)
            JSONOutput.appendString(file, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}
