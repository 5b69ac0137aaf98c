import VigilCorrelate
import VigilEvent

/// Thins out the detections of heartbeat rules before they leave a worker.
///
/// A heartbeat rule is a detection rule read only by pure absence correlations (`condition: not x`
/// over the one rule `x`, like the shipped `host_silent`): every event of a host feeds it, yet only the
/// gaps longer than the timespan matter. Per batch and group, of the times sorted, vigil keeps the first
/// and the last, and between them only what keeps every gap of at most one timespan bridged: after a
/// kept time `k` the next kept one is the latest within `k + timespan` (or, when there is none, the next
/// one). A dropped time always has a later kept time within one timespan (it could never fire), and a
/// window of any anchor, of this batch or another, that contained a dropped time also contains a kept
/// one (the kept time before it, or the one after it). So absence alerts are exactly those of the full
/// stream, for any batch boundaries and any order within the lateness; an instant seen twice keeps its
/// first detection, as the engine does.
struct HeartbeatThinning: Sendable {
    /// Per detection rule (by ``RuleID``): the absence timespan, or nil when the rule is no heartbeat.
    let spans: [Timestamp.Duration?]
    /// Per detection rule: the carried fields that make the group (in group-by order).
    let groupFields: [[Symbol]]

    init(detectionRuleCount: Int, correlation: CorrelationRuleSet) {
        var spans = [Timestamp.Duration?](repeating: nil, count: detectionRuleCount)
        var groups = [[Symbol]](repeating: [], count: detectionRuleCount)
        var readers = [Int](repeating: 0, count: detectionRuleCount)
        for rule in correlation.rules {
            for source in rule.sources {
                guard case .detection(let id) = source.target, Int(id.rawValue) < detectionRuleCount else { continue }
                readers[Int(id.rawValue)] += 1
                guard rule.sources.count == 1, case .expression(_, let clauses) = rule.condition, clauses.count == 1,
                    clauses[0].present.isEmpty, clauses[0].absent == [0]
                else { continue }
                spans[Int(id.rawValue)] = rule.timespan
                groups[Int(id.rawValue)] = source.groupFields.map(Symbol.init)
            }
        }
        // A rule read by anything else keeps every detection.
        for index in readers.indices where readers[index] != 1 { spans[index] = nil }
        self.spans = spans
        self.groupFields = groups
    }

    var isEmpty: Bool { !spans.contains { $0 != nil } }

    /// Marks in `keep` (one flag per detection, initially true) the heartbeat detections to drop.
    func thin(_ detections: [Detection], keep: inout [Bool]) {
        var byGroup: [HeartbeatKey: [(time: Timestamp, index: Int)]] = [:]
        // Through a pointer: subscripting the array would copy each detection (a retain per member).
        detections.withUnsafeBufferPointer { detections in
            for index in detections.indices {
                let rule = Int(detections[index].rule.rawValue)
                guard rule < spans.count, spans[rule] != nil else { continue }
                var group = ""
                let values = detections.baseAddress! + index
                for (k, field) in groupFields[rule].enumerated() {
                    if k > 0 { group += "\u{1F}" }
                    group += Self.value(of: field, in: values) ?? "\u{0}"
                }
                byGroup[HeartbeatKey(rule: rule, group: group), default: []].append((detections[index].time, index))
            }
        }
        for (key, entries) in byGroup {
            let span = spans[key.rule]!.nanoseconds
            // Stable: equal times keep their batch order, so the first of an instant is kept.
            let sorted = entries.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
            var kept = 0
            var i = 1
            while i < sorted.count {
                if sorted[i].time == sorted[kept].time {
                    keep[sorted[i].index] = false
                    i += 1
                    continue
                }
                // The latest time within one timespan of the kept one, if the next is within it.
                var farthest = i
                while farthest + 1 < sorted.count, sorted[farthest + 1].time.nanoseconds - sorted[kept].time.nanoseconds <= span {
                    farthest += 1
                }
                if sorted[i].time.nanoseconds - sorted[kept].time.nanoseconds <= span {
                    // Everything between the kept time and the farthest is bridged: drop it. Of several
                    // detections at the farthest instant, the first stays.
                    var target = farthest
                    while target > i, sorted[target - 1].time == sorted[farthest].time { target -= 1 }
                    for j in i...farthest where j != target { keep[sorted[j].index] = false }
                    kept = target
                    i = farthest + 1
                } else {
                    kept = i
                    i += 1
                }
            }
        }
    }
}

extension HeartbeatThinning {
    /// A carried value, read without copying the detection.
    @inline(__always)
    static func value(of name: Symbol, in detection: UnsafePointer<Detection>) -> String? {
        for entry in detection.pointee.values where entry.name == name { return entry.value }
        return nil
    }
}

/// A heartbeat group within one batch.
struct HeartbeatKey: Hashable {
    var rule: Int
    /// The group values joined (short ones stay inline: no allocation).
    var group: String
}
