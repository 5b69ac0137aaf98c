/// A property of the event itself rather than a field: written `@name` in field maps.
enum EventProperty: String, Sendable, CaseIterable {
    case host, app, pid, msgid, msg, raw, facility, severity, format, decoder
}

/// Where a Sigma field's value comes from in an event.
enum FieldTarget: Hashable, Sendable {
    /// A parsed or decoded field by its full (dotted) name.
    case field(String)
    /// Field names where each `*` stands for one path segment (`Event.UserData.*.Operation`).
    case fieldPattern(String)
    case property(EventProperty)

    init?(parsing text: String) {
        if text.hasPrefix("@") {
            guard let property = EventProperty(rawValue: String(text.dropFirst())) else { return nil }
            self = .property(property)
        } else {
            guard !text.isEmpty else { return nil }
            self = text.contains("*") ? .fieldPattern(text) : .field(text)
        }
    }
}

/// How one family of events names what Sigma calls a field (`Image` is `Event.EventData.Image` in
/// evtx JSON, `host` is the syslog HOSTNAME, ...).
///
/// A Sigma field listed in ``explicit`` reads its targets in order and uses the first the event has.
/// Any other field is looked up under each of ``lookupPrefixes`` in order (the prefix `""` is the
/// field's own name).
struct FieldMap: Sendable {
    var name: String
    var explicit: [String: [FieldTarget]]
    var lookupPrefixes: [String]

    /// The targets a Sigma field name reads, in order of preference.
    func targets(for sigmaField: String) -> [FieldTarget] {
        if let targets = explicit[sigmaField] { return targets }
        return lookupPrefixes.map { $0.contains("*") ? .fieldPattern($0 + sigmaField) : .field($0 + sigmaField) }
    }

    /// Top-level keys by their own names: flat JSON.
    static let flat = FieldMap(name: "flat", explicit: [:], lookupPrefixes: [""])

    /// Syslog and raw text: decoded fields by their own names, and the message's header.
    static let syslog = FieldMap(
        name: "syslog",
        explicit: [
            "host": [.property(.host)], "hostname": [.property(.host)], "app": [.property(.app)],
            "program": [.property(.app)], "pid": [.property(.pid)], "msgid": [.property(.msgid)],
            "msg": [.property(.msg)], "message": [.property(.msg)], "facility": [.property(.facility)],
            "severity": [.property(.severity)],
        ],
        lookupPrefixes: [""])
}
