import VigilAlert
import VigilEvent

extension Alert.Rule {
    /// The rule as detection and correlation alerts print it.
    public init(_ rule: SigmaRuleMetadata) {
        self.init(
            id: rule.alertIdentifier, name: rule.name, title: rule.title, level: rule.level ?? "medium", tags: rule.tags, file: rule.file)
    }
}

extension Alert {
    /// The detection alert of a matched event (issue 4, "Output"): `kind` `detection`, the event time,
    /// the rule (`id`, `name`, `title`, `level`, `tags`) and the normalized event.
    ///
    /// A rule without `level` reports `medium`, the level Sigma tooling assumes by default.
    public init(detection: Detection, rule: SigmaRuleMetadata) {
        self.init(kind: .detection, time: detection.time, rule: Alert.Rule(rule), event: detection.event)
    }
}

extension SigmaRuleSet {
    /// The detection alert for a detection of this rule set.
    public func alert(for detection: Detection) -> Alert {
        Alert(detection: detection, rule: rule(detection.rule))
    }
}
