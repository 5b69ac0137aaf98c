import VigilAlert
import VigilEvent

/// An episode opened before the watermark reached its window (docs/correlation.md, "Early alerts"):
/// the window as known when it was opened, and the id it took.
struct Announcement: Sendable, Hashable {
    var id: UInt64
    var start: Int64
    var end: Int64
    var metric: Double
    /// The UTC day and number its id was made of (``EpisodeLedger``).
    var day: Int64
    var number: Int
}

/// Episode numbers of one rule in one shard: per group (by key hash), the day of its last episode and
/// that episode's number among the group's episodes of that day. Episode ids are made of the day and
/// number (``AlertFactory/episodeID(key:day:number:)``), so two episodes of a group never share an
/// id, and the numbers outlive the group (which expires one timespan after its last input) until the
/// day is over: entries of days before the watermark's are dropped, since no episode can open on them
/// any more.
struct EpisodeLedger: Sendable {
    struct Entry: Sendable, Hashable {
        var day: Int64
        var number: Int
    }

    private(set) var entries: [UInt64: Entry] = [:]
    /// Entries of days before this one are gone.
    private var firstDay = Int64.min

    var count: Int { entries.count }

    /// The number of a group's next episode opening on `day` (taken).
    mutating func next(hash: UInt64, day: Int64) -> Int {
        let number = entries[hash].map { $0.day == day ? $0.number + 1 : 1 } ?? 1
        entries[hash] = Entry(day: day, number: number)
        return number
    }

    /// Gives back the number an episode took, when it is still the group's last (an early episode
    /// that did not happen: the next one takes its number, as if it had never been opened).
    mutating func giveBack(hash: UInt64, day: Int64, number: Int) {
        guard entries[hash] == Entry(day: day, number: number) else { return }
        entries[hash] = number > 1 ? Entry(day: day, number: number - 1) : nil
    }

    /// Drops the entries of days before `day` (once per day).
    mutating func forget(before day: Int64) {
        guard day > firstDay else { return }
        firstDay = day
        if !entries.isEmpty { entries = entries.filter { $0.value.day >= day } }
    }

    /// Restores an entry read from a snapshot (the later day wins).
    mutating func restore(hash: UInt64, _ entry: Entry) {
        if let held = entries[hash], (held.day, held.number) >= (entry.day, entry.number) { return }
        entries[hash] = entry
    }
}

/// What a value_sum group's values so far were (``RuleRuntime/valueFlags``).
enum ValueFlags {
    /// A negative value: the sum can fall, so the group's episodes wait for the watermark.
    static let negative: UInt8 = 1
    /// A value that is not an integer below 2^53: sums in another order may round differently, so an
    /// early sum must clear the limit by a margin.
    static let inexact: UInt8 = 2
}

extension RuleRuntime {
    /// The id of an episode opening at a window ending at `end` (processed in event-time order): the
    /// id of the episode opened early for the group if its window ended at or after `end` (the same
    /// episode, see docs), else a new one. An early episode whose window ended before `end` did not
    /// happen (``retract(_:key:env:)``).
    mutating func openingID(key: String, end: Int64, env: inout FlushEnvironment) -> (UInt64, Announcement?) {
        let hash = GroupKey.hash(key)
        if !announced.isEmpty, let announcement = announced.removeValue(forKey: key) {
            if end <= announcement.end { return (announcement.id, announcement) }
            retract(announcement, key: key, hash: hash, env: &env)
        }
        let day = AlertFactory.day(of: end)
        return (factory.episodeID(key: key, day: day, number: ledger.next(hash: hash, day: day)), nil)
    }

    /// Closes the early episodes whose window the watermark passed without the episode opening: only
    /// when a late negative value lowered a sum, or shedding dropped state.
    mutating func retractAnnouncements(before watermark: Int64, env: inout FlushEnvironment) {
        let due = announced.filter { $0.value.end < watermark }.keys.sorted()
        for key in due {
            let announcement = announced.removeValue(forKey: key)!
            retract(announcement, key: key, hash: GroupKey.hash(key), env: &env)
        }
    }

    /// An early episode that did not happen: a closing alert with no window, its number given back.
    private mutating func retract(_ announcement: Announcement, key: String, hash: UInt64, env: inout FlushEnvironment) {
        ledger.giveBack(hash: hash, day: announcement.day, number: announcement.number)
        let info = Alert.Episode(
            id: announcement.id, state: .closed, windows: 0, events: 0, firstSeen: Timestamp(nanoseconds: announcement.end),
            lastSeen: Timestamp(nanoseconds: announcement.end))
        env.alerts.append(
            factory.window(
                key: key, start: announcement.start, end: announcement.end, metric: announcement.metric, evidence: [], episode: info))
        env.stats.alerts += 1
        env.stats.retractedEpisodes += 1
        pending.touch(key: key, hash: hash)
    }

    /// Notes what the values of the run being processed were (value_sum with early alerts).
    mutating func noteValues(key: String) {
        var flags: UInt8 = 0
        for event in runEvents where !event.number.isNaN {
            if event.number < 0 { flags |= ValueFlags.negative }
            if !Self.isExact(event.number) { flags |= ValueFlags.inexact }
        }
        if flags != 0 { valueFlags[key, default: 0] |= flags }
    }

    /// An integer that sums exactly with others like it (in any order).
    static func isExact(_ value: Double) -> Bool { value == value.rounded() && abs(value) < 0x1p52 }

    // MARK: Opening early

    /// After a step's flush to `watermark`: for every group that gained a waiting input (or whose
    /// episode closed, or that waited for the watermark to come closer), opens its episode now if a
    /// window ending at one of its waiting inputs already meets the condition with the inputs known,
    /// and the episode it belongs to is certain (docs/correlation.md, "Early alerts").
    mutating func announceEarly(watermark: Int64, env: inout FlushEnvironment) {
        guard early else { return }
        for (key, hash) in pending.takeTouched() { announceEarly(key: key, hash: hash, watermark: watermark, env: &env) }
    }

    private mutating func announceEarly(key: String, hash: UInt64, watermark: Int64, env: inout FlushEnvironment) {
        if !announced.isEmpty, announced[key] != nil { return }
        let group = groups.find(key, hash: hash)
        // An open episode absorbs the window, or closes first: its closing touches the group again.
        if let group, episodes.isOpen(group) { return }
        var flags = valueFlags.isEmpty ? 0 : valueFlags[key] ?? 0
        if flags & ValueFlags.negative != 0 { return }
        // Even if every waiting input counted in one window, it would not reach the limit (most groups
        // of a flood of sources end here).
        let waiting = pending.count(key: key, hash: hash)
        guard waiting > 0 else { return }
        if rule.type != .valueSum, !condition.holds(Double(waiting) + (group.flatMap { evaluator.measure($0) } ?? 0)) { return }
        var inputs: [PendingInput] = []
        swap(&inputs, &earlyInputs)
        defer {
            inputs.removeAll(keepingCapacity: true)
            swap(&inputs, &earlyInputs)
        }
        pending.forEachInput(key: key, hash: hash) { inputs.append($0) }
        inputs.sort(by: Self.inputPrecedes)
        var entries: [KnownEntry] = []
        swap(&entries, &earlyEntries)
        defer {
            entries.removeAll(keepingCapacity: true)
            swap(&entries, &earlyEntries)
        }
        // What the group holds from the earliest start a window ending at a waiting input can have.
        if let group { evaluator.known(group, from: watermark &- span, into: &entries) }
        let processed = entries.count
        // The waiting events: inputs of one event read by several sources count once, with the first
        // one's value, as when they are processed.
        var candidates: [Int64] = []
        var previous = -1
        for (index, input) in inputs.enumerated() {
            defer { previous = index }
            if previous >= 0, inputs[previous].time == input.time, inputs[previous].source == input.source,
                inputs[previous].sequence == input.sequence
            {
                continue
            }
            if candidates.last != input.time { candidates.append(input.time) }
            switch rule.type {
            case .valueCount:
                if let value = input.value { entries.append(KnownEntry(time: input.time, weight: 1, ref: input.ref, value: value)) }
            case .valueSum:
                guard !input.number.isNaN else { continue }
                if input.number < 0 { return }
                if !Self.isExact(input.number) { flags |= ValueFlags.inexact }
                entries.append(KnownEntry(time: input.time, weight: input.number, values: 1, ref: input.ref))
            default:
                entries.append(KnownEntry(time: input.time, weight: 1, ref: input.ref))
            }
        }
        if processed > 0, processed < entries.count, entries[processed - 1].time > entries[processed].time {
            // Inputs applied early under the state budget are held as state although later ones wait.
            entries.sort { $0.time < $1.time }
        }
        guard let found = earliestQualifying(entries, candidates: candidates, exact: flags & ValueFlags.inexact == 0) else { return }
        // The episode this window belongs to is certain only when no window before it that could
        // still qualify (ending at the watermark or later) can be more than a timespan before it, and
        // its first window's day is known: else wait for the watermark to come closer.
        let end = found.end
        guard watermark >= end &- span, AlertFactory.day(of: watermark) == AlertFactory.day(of: end) else {
            pending.touch(key: key, hash: hash)
            return
        }
        env.context.evidence.removeAll(keepingCapacity: true)
        Self.addEvidence(of: entries, found, distinctValues: rule.type == .valueCount, to: &env.context)
        let day = AlertFactory.day(of: end)
        let number = ledger.next(hash: hash, day: day)
        let announcement = Announcement(
            id: factory.episodeID(key: key, day: day, number: number), start: end &- span, end: end, metric: found.metric, day: day,
            number: number)
        announced[key] = announcement
        let info = Alert.Episode(
            id: announcement.id, state: .opened, windows: 1, events: found.inputs, firstSeen: Timestamp(nanoseconds: end),
            lastSeen: Timestamp(nanoseconds: end))
        env.alerts.append(
            factory.window(
                key: key, start: announcement.start, end: end, metric: found.metric, evidence: env.evidenceJSON(), episode: info))
        env.stats.alerts += 1
        env.stats.earlyEpisodes += 1
    }

    /// The rule's condition (early alerts apply to threshold conditions only).
    var condition: CorrelationThreshold {
        if case .threshold(let threshold) = rule.condition { return threshold }
        return CorrelationThreshold([])
    }

    /// A window found to qualify with the inputs known: its end, measure, inputs (as
    /// ``QualifiedWindow/inputs`` counts them) and the entries in it.
    struct EarlyWindow {
        var end: Int64
        var metric: Double
        var inputs: Int
        var entries: Range<Int>
    }

    /// The earliest of `candidates` (ascending window ends) whose window `[end - span, end]` meets the
    /// condition with `entries` (oldest first).
    func earliestQualifying(_ entries: [KnownEntry], candidates: [Int64], exact: Bool) -> EarlyWindow? {
        let condition = self.condition
        var low = 0, high = 0
        var weight = 0.0, values = 0
        var distinct: [String: Int] = [:]
        for end in candidates {
            let start = end &- span
            while high < entries.count, entries[high].time <= end {
                let entry = entries[high]
                weight += entry.weight
                values += entry.values
                if let value = entry.value {
                    distinct[value, default: 0] += 1
                }
                high += 1
            }
            while low < high, entries[low].time < start {
                let entry = entries[low]
                weight -= entry.weight
                values -= entry.values
                if let value = entry.value {
                    let left = distinct[value]! - 1
                    distinct[value] = left == 0 ? nil : left
                }
                low += 1
            }
            switch rule.type {
            case .valueCount:
                if condition.holds(Double(distinct.count)) {
                    return EarlyWindow(end: end, metric: Double(distinct.count), inputs: distinct.count, entries: low..<high)
                }
            case .valueSum:
                guard values > 0 else { continue }
                // Summed again in order: the running one above subtracts.
                var sum = 0.0
                for entry in entries[low..<high] { sum += entry.weight }
                // Inexact values may round differently in the order the watermark processes them: the
                // sum must clear the limit by a margin, so that the final one meets it too.
                let margin = exact ? 0 : 1e-6 * max(abs(sum), 1)
                if condition.holds(sum - margin) { return EarlyWindow(end: end, metric: sum, inputs: values, entries: low..<high) }
            default:
                if condition.holds(weight) { return EarlyWindow(end: end, metric: weight, inputs: Int(weight), entries: low..<high) }
            }
        }
        return nil
    }

    /// Puts the evidence of a window found early in `context`, as its alert at the watermark would
    /// list it: the oldest inputs of the window, or for value_count the last sighting of each distinct
    /// value, oldest first.
    static func addEvidence(of entries: [KnownEntry], _ window: EarlyWindow, distinctValues: Bool, to context: inout EvaluationContext) {
        var chosen = Array(window.entries)
        if distinctValues {
            var last: [String: Int] = [:]
            for index in window.entries { last[entries[index].value ?? ""] = index }
            chosen = last.values.sorted()
        }
        for index in chosen {
            guard context.addEvidence(entries[index].ref) else { return }
        }
    }
}
