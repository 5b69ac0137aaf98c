import VigilAlert
import VigilEvent

/// Builds correlation alerts of one rule.
struct AlertFactory {
    let rule: Alert.Rule
    let groupBy: [String]
    let metricName: String
    /// ``rule`` as alerts print it, rendered once.
    let ruleJSON: [UInt8]

    init(rule: CorrelationRule) {
        self.rule = rule.alertRule
        groupBy = rule.groupBy
        metricName = rule.type.rawValue
        var json: [UInt8] = []
        self.rule.appendJSON(to: &json)
        ruleJSON = json
    }

    /// The alert ``window(key:start:end:metric:evidence:episode:time:)`` makes without evidence or
    /// episode, as JSON up to its open evidence array (see ``Alert/appendWindowPrefix``).
    func appendWindowPrefix(key: String, start: Int64, end: Int64, metric: Double, to out: inout [UInt8]) {
        ruleJSON.withUnsafeBytes { rule in
            Alert.appendWindowPrefix(
                time: Timestamp(nanoseconds: end), rule: rule, group: group(key), metric: .init(name: metricName, value: metric),
                windowStart: Timestamp(nanoseconds: start), windowEnd: Timestamp(nanoseconds: end), to: &out)
        }
    }

    func group(_ key: String) -> [(name: String, value: String?)] {
        guard !groupBy.isEmpty else { return [] }
        let values = GroupKey.split(key, count: groupBy.count)
        return groupBy.enumerated().map { i, name in (name: name, value: i < values.count ? values[i] : nil) }
    }

    func window(
        key: String, start: Int64, end: Int64, metric: Double, evidence: [String], episode: Alert.Episode? = nil, time: Int64? = nil
    ) -> Alert {
        Alert(
            kind: .correlation, time: Timestamp(nanoseconds: time ?? end), rule: rule, group: group(key),
            metric: .init(name: metricName, value: metric), windowStart: Timestamp(nanoseconds: start),
            windowEnd: Timestamp(nanoseconds: end), events: evidence, episode: episode)
    }

    /// An episode's id: a hash of the rule, the group, the UTC day (of event time) its first
    /// qualifying window ends on and its number among the group's episodes opening that day (from 1).
    /// It does not depend on which window qualified first within that day, so an episode opened early
    /// keeps its id when a late input moves its first window (docs/correlation.md, "Early alerts");
    /// two episodes of a group never share a day and number, so never an id.
    func episodeID(key: String, day: Int64, number: Int) -> UInt64 {
        var text = rule.id
        text.append(GroupKey.separator)
        text += key
        text.append(GroupKey.separator)
        text += String(day)
        text.append(GroupKey.separator)
        text += String(number)
        return GroupKey.hash(text) >> 11  // 53 bits: exact in any JSON reader
    }

    /// Nanoseconds in a day: episode ids count episodes per UTC day.
    static let nanosecondsPerDay: Int64 = 86_400_000_000_000

    /// The UTC day (days since 1970-01-01, negative before) of an event time.
    static func day(of time: Int64) -> Int64 {
        let (quotient, remainder) = time.quotientAndRemainder(dividingBy: nanosecondsPerDay)
        return remainder < 0 ? quotient - 1 : quotient
    }
}

extension Alert {
    /// Orders alerts so that output does not depend on shards or on how input was batched.
    static func precedes(_ a: Alert, _ b: Alert) -> Bool {
        if a.time != b.time { return a.time < b.time }
        if a.rule.id != b.rule.id { return a.rule.id < b.rule.id }
        for (x, y) in zip(a.group, b.group) where x.value != y.value { return (x.value ?? "") < (y.value ?? "") }
        if a.windowStart != b.windowStart { return (a.windowStart ?? .distantPast) < (b.windowStart ?? .distantPast) }
        let stateA = a.episode?.state == .closed ? 1 : 0, stateB = b.episode?.state == .closed ? 1 : 0
        if stateA != stateB { return stateA < stateB }
        return (a.metric?.value ?? 0) < (b.metric?.value ?? 0)
    }
}
