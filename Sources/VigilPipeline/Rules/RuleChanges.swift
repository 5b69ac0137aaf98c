/// What a reload changes: rules added, removed and changed (by identity, see ``RuleFingerprints``),
/// whether the decoders and the logsource mapping changed, and whether correlation state is kept.
struct RuleChanges {
    var added: [String] = []
    var removed: [String] = []
    var changed: [String] = []
    var decodersChanged = false
    var decoderCounts = (old: 0, new: 0)
    var mappingChanged = false
    /// Whether the correlation rule set is the same (every rule, in order, with the same definition
    /// and reading the same detection rules): the correlation engine and its state are kept.
    var keepsCorrelationState = true
    var correlationRules = (old: 0, new: 0)

    init(from old: RuleFingerprints, to new: RuleFingerprints) {
        let oldRules = old.detection.map { ("", $0) } + old.correlation.map { ("correlation ", $0) }
        let newRules = new.detection.map { ("", $0) } + new.correlation.map { ("correlation ", $0) }
        var oldByIdentity: [String: RuleFingerprints.Rule] = [:]
        for (kind, rule) in oldRules { oldByIdentity[kind + rule.identity] = rule }
        var newIdentities: Set<String> = []
        for (kind, rule) in newRules {
            let key = kind + rule.identity
            newIdentities.insert(key)
            guard let before = oldByIdentity[key] else {
                added.append(Self.label(kind, rule))
                continue
            }
            if before.hash != rule.hash { changed.append(Self.label(kind, rule)) }
        }
        for (kind, rule) in oldRules where !newIdentities.contains(kind + rule.identity) { removed.append(Self.label(kind, rule)) }
        decodersChanged = old.decoders != new.decoders
        decoderCounts = (old.decoderCount, new.decoderCount)
        mappingChanged = old.mapping != new.mapping
        keepsCorrelationState = old.correlationSet == new.correlationSet
        correlationRules = (old.correlation.count, new.correlation.count)
    }

    private static func label(_ kind: String, _ rule: RuleFingerprints.Rule) -> String {
        rule.label == rule.title ? "\(kind)\(rule.label)" : "\(kind)\(rule.label) (\(rule.title))"
    }

    /// One line for the log: `3 rules added (...), 1 removed (...), 0 changed; decoders unchanged; ...`.
    var text: String {
        func list(_ names: [String]) -> String {
            guard !names.isEmpty else { return "" }
            let shown = names.prefix(10).joined(separator: ", ")
            return " (" + shown + (names.count > 10 ? ", and \(names.count - 10) more" : "") + ")"
        }
        var parts = [
            "rules: \(added.count) added\(list(added)), \(removed.count) removed\(list(removed)), "
                + "\(changed.count) changed\(list(changed))"
        ]
        parts.append(
            decodersChanged ? "decoders changed (\(decoderCounts.old) -> \(decoderCounts.new) decoders)" : "decoders unchanged")
        parts.append(mappingChanged ? "logsource mapping changed" : "logsource mapping unchanged")
        if correlationRules.old + correlationRules.new > 0 {
            parts.append(
                keepsCorrelationState
                    ? "correlation rules unchanged: correlation state kept"
                    : "correlation rules changed: the state of unchanged correlation rules is kept, changed and new ones start empty")
        }
        return parts.joined(separator: "; ")
    }
}
