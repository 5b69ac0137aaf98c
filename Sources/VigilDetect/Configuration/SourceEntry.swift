import VigilEvent

/// One entry of the logsource mapping: which events it places (conditions, all of which must hold)
/// and where (one or more Sigma logsources, a field map).
struct SourceEntry: Sendable {
    /// A field condition: the event field's value must match one of the patterns (case-insensitive).
    struct FieldCondition: Sendable {
        var field: String
        var values: [SigmaPattern]
    }

    var name: String
    /// Syslog APP-NAME / tag patterns, case-insensitive.
    var apps: [SigmaPattern]
    /// Names of decoders (exact).
    var decoders: [String]
    var formats: Set<EventFormat>
    var fieldConditions: [FieldCondition]
    /// An event can sit in several logsources at once (Sysmon event 13 is `registry_set` and
    /// `registry_event`).
    var logsources: [SigmaLogsource]
    /// The entry's own `fieldmap`; nil takes the configuration's default for its kind (see
    /// ``SigmaConfiguration/fieldMapName(of:)``).
    var fieldMap: String?
    /// Whether its events are JSON (a `match` condition, or `format: [json]`): which default applies.
    var readsJSON: Bool
    /// Where the entry is written.
    var line: Int
}
