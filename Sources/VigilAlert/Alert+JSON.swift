import VigilEvent

extension Alert {
    /// Appends the alert as one JSON object (no newline).
    public func appendJSON(to out: inout [UInt8]) {
        Self.appendHead(kind: kind, time: time, to: &out)
        rule.appendJSON(to: &out)
        if kind == .correlation {
            out.append(contentsOf: ",\"group\":{".utf8)
            for (i, entry) in group.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONOutput.appendKey(entry.name, to: &out)
                if let v = entry.value { JSONOutput.appendString(v, to: &out) } else { out.append(contentsOf: "null".utf8) }
            }
            out.append(UInt8(ascii: "}"))
            if let metric {
                out.append(contentsOf: ",\"metric\":{\"name\":".utf8)
                JSONOutput.appendString(metric.name, to: &out)
                out.append(contentsOf: ",\"value\":".utf8)
                JSONOutput.appendDouble(metric.value, to: &out)
                out.append(UInt8(ascii: "}"))
            }
            if let windowStart, let windowEnd {
                out.append(contentsOf: ",\"window\":{\"start\":\"".utf8)
                windowStart.appendRFC3339(to: &out, fractionDigits: 6)
                out.append(contentsOf: "\",\"end\":\"".utf8)
                windowEnd.appendRFC3339(to: &out, fractionDigits: 6)
                out.append(contentsOf: "\"}".utf8)
            }
            if let episode {
                out.append(contentsOf: ",\"episode\":{\"id\":".utf8)
                JSONOutput.appendInteger(episode.id, to: &out)
                out.append(contentsOf: ",\"state\":\"".utf8)
                out.append(contentsOf: episode.state.rawValue.utf8)
                out.append(contentsOf: "\",\"windows\":".utf8)
                JSONOutput.appendInteger(episode.windows, to: &out)
                out.append(contentsOf: ",\"events\":".utf8)
                JSONOutput.appendInteger(episode.events, to: &out)
                out.append(contentsOf: ",\"first_seen\":\"".utf8)
                episode.firstSeen.appendRFC3339(to: &out, fractionDigits: 6)
                out.append(contentsOf: "\",\"last_seen\":\"".utf8)
                episode.lastSeen.appendRFC3339(to: &out, fractionDigits: 6)
                out.append(contentsOf: "\"}".utf8)
            }
            out.append(contentsOf: ",\"events\":[".utf8)
            for (i, e) in events.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: e.utf8)
            }
            out.append(UInt8(ascii: "]"))
        } else if let event {
            out.append(contentsOf: ",\"event\":".utf8)
            out.append(contentsOf: event.utf8)
        }
        out.append(UInt8(ascii: "}"))
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
