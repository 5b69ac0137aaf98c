import VigilAlert
import VigilEvent

extension RuleRuntime {
    /// Processes, in event-time order, every pending input before `watermark` and every deadline before
    /// it; inputs of an instant come before deadlines of the same instant (windows include their end).
    mutating func flush(watermark: Int64, horizon: Int64, env: inout FlushEnvironment) {
        flush(watermark: watermark, horizon: horizon, expireBefore: watermark, env: &env)
    }

    /// ``flush(watermark:horizon:env:)`` with groups expired only before `expireBefore` (an early
    /// application through an instant processes that instant's inputs, yet a window ending there still
    /// reaches back one timespan).
    mutating func flush(watermark: Int64, horizon: Int64, expireBefore: Int64, env: inout FlushEnvironment) {
        ready.removeAll(keepingCapacity: true)
        pending.takeAll(before: watermark, into: &ready)
        // Sort small keys rather than the inputs themselves; full comparisons only break ties.
        order.removeAll(keepingCapacity: true)
        for (index, input) in ready.enumerated() {
            order.append(SortKey(time: input.time, hash: input.keyHash, index: Int32(index)))
        }
        let inputs = ready
        order.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.hash != b.hash { return a.hash < b.hash }
            return Self.inputPrecedes(inputs[Int(a.index)], inputs[Int(b.index)])
        }
        var i = 0
        while true {
            let nextInput = i < order.count ? order[i].time : Int64.max
            if let timer = timers.first, timer.deadline < watermark, timer.deadline < nextInput {
                _ = timers.pop()
                handle(timer, horizon: horizon, env: &env)
                continue
            }
            guard i < order.count else { break }
            var j = i + 1
            while j < order.count, order[j].time == order[i].time, order[j].hash == order[i].hash,
                inputs[Int(order[j].index)].key == inputs[Int(order[i].index)].key
            {
                j += 1
            }
            processRun(inputs, i..<j, env: &env)
            i = j
        }
        if ready.capacity > Self.keptScratch {
            // A burst's scratch is given back, so that it does not stay held (and counted) after it.
            ready = []
            order = []
        }
        expire(before: expireBefore, env: &env)
        if !announced.isEmpty { retractAnnouncements(before: watermark, env: &env) }
        ledger.forget(before: AlertFactory.day(of: expireBefore))
    }

    /// Inputs a flush keeps scratch for between flushes.
    static let keptScratch = 65_536

    /// Where an arriving input waits, if at all (see ``admit(time:keyHash:key:source:sequence:)``).
    enum Admission {
        /// A new pending input (`line`: its collapse-cache line, or -1).
        case insert(line: Int)
        /// Replaces the pending input in this slab slot.
        case replace(slot: Int32)
        /// Changes nothing: dropped.
        case skip
    }

    /// Decides whether an arriving input must wait for the watermark.
    ///
    /// For rules that only ask which sources matched (temporal types over one rule), a second input
    /// of the same group at the same instant changes nothing but the evidence, so only the one that
    /// sorts first is kept: a heartbeat rule costs one input per group and instant.
    mutating func admit(time: Int64, keyHash: UInt64, key: UnsafeRawBufferPointer, source: SourceID, sequence: UInt64) -> Admission {
        guard collapsesInstants else { return .insert(line: -1) }
        let line = Int(truncatingIfNeeded: keyHash ^ UInt64(bitPattern: time)) & (collapseCache.count - 1)
        let slot = collapseCache[line]
        if slot >= 0, let waiting = pending.input(at: slot), waiting.time == time, waiting.keyHash == keyHash,
            waiting.key.utf8.elementsEqual(key)
        {
            return (source, sequence) < (waiting.source, waiting.sequence) ? .replace(slot: slot) : .skip
        }
        return .insert(line: line)
    }

    /// Queues an admitted input (its evidence already in the shard's store).
    mutating func store(_ input: PendingInput, _ admission: Admission) {
        switch admission {
        case .insert(let line):
            let slot = pending.insert(input)
            if line >= 0 { collapseCache[line] = slot }
        case .replace(let slot):
            pending.replace(at: slot, with: input)
        case .skip:
            break
        }
    }

    /// Deterministic order of inputs: time, group, event identity, source.
    static func inputPrecedes(_ a: PendingInput, _ b: PendingInput) -> Bool {
        if a.time != b.time { return a.time < b.time }
        if a.keyHash != b.keyHash { return a.keyHash < b.keyHash }
        if a.key != b.key { return a.key < b.key }
        if a.source != b.source { return a.source < b.source }
        if a.sequence != b.sequence { return a.sequence < b.sequence }
        return a.slot < b.slot
    }

    /// One group at one instant: dedupe events read by several sources, update state, evaluate the
    /// window ending now.
    mutating func processRun(_ inputs: [PendingInput], _ range: Range<Int>, env: inout FlushEnvironment) {
        let lower = Int(order[range.lowerBound].index)
        let time = inputs[lower].time
        let key = inputs[lower].key
        let group = slot(for: inputs[lower], env: &env)
        groups.touch(group, time: time)
        runEvents.removeAll(keepingCapacity: true)
        // Fields are read in place: copying whole inputs would retain and release their strings.
        var previous = -1
        for position in range {
            let index = Int(order[position].index)
            let bit = UInt32(1) << UInt32(inputs[index].slot)
            if previous >= 0, inputs[previous].source == inputs[index].source, inputs[previous].sequence == inputs[index].sequence {
                runEvents[runEvents.count - 1].slots |= bit
            } else {
                runEvents.append(RunEvent(slots: bit, value: inputs[index].value, number: inputs[index].number, ref: inputs[index].ref))
            }
            previous = index
        }
        if machine != nil {
            for event in runEvents {
                env.context.evidence.removeAll(keepingCapacity: true)
                guard let fired = machine!.add(group: group, time: time, ref: event.ref, context: &env.context) else { continue }
                env.stats.qualifyingWindows += 1
                guard rule.emitsAlerts else { continue }
                let evidence = env.evidenceJSON()
                env.alerts.append(
                    factory.window(key: key, start: fired.start, end: fired.end, metric: fired.metric, evidence: evidence))
                env.stats.alerts += 1
            }
        }
        env.context.evidence.removeAll(keepingCapacity: true)
        env.context.deadlines.removeAll(keepingCapacity: true)
        if tracksValues { noteValues(key: key) }
        // Temporal types count instants, not inputs (their inputs of one instant may be collapsed).
        let inputs = collapsesInstants ? 1 : runEvents.count
        if let window = evaluator.add(runEvents, group: group, time: time, context: &env.context) {
            qualified(window, group: group, key: key, inputs: inputs, env: &env)
        } else {
            episodes.noteInputs(group: group, count: inputs)
        }
        let generation = groups.generation(group)
        for deadline in env.context.deadlines {
            timers.push(.init(deadline: deadline, group: group, generation: generation, kind: .window))
        }
    }

    mutating func handle(_ timer: TimerHeap.Timer, horizon: Int64, env: inout FlushEnvironment) {
        guard Int(timer.group) < groups.slotCount, groups.generation(timer.group) == timer.generation else { return }
        let key = groups.keys[Int(timer.group)]
        switch timer.kind {
        case .window:
            env.context.evidence.removeAll(keepingCapacity: true)
            switch evaluator.decide(group: timer.group, deadline: timer.deadline, horizon: horizon, context: &env.context) {
            case .none: break
            case .incomplete: env.stats.incompleteWindows += 1
            case .qualified(let window):
                // The group stays alive one timespan past this window, so its episode can close first.
                groups.touch(timer.group, time: timer.deadline)
                qualified(window, group: timer.group, key: key, inputs: 1, env: &env)
            }
        case .episode:
            if let episode = episodes.closeIfDue(group: timer.group, deadline: timer.deadline, span: span) {
                emitClosing(episode, key: key, at: timer.deadline, env: &env)
                // A next episode of the group may open early now.
                if early { pending.touch(key: key, hash: GroupKey.hash(key)) }
            }
        }
    }

    /// A window met the condition: feed chained rules, then alert as the emission mode says.
    mutating func qualified(_ window: QualifiedWindow, group: UInt32, key: String, inputs: Int, env: inout FlushEnvironment) {
        env.stats.qualifyingWindows += 1
        let consumers = plan.consumers
        let wantsAlert = rule.emitsAlerts && (emit == .all || (emit == .threshold && machine == nil))
        let wantsEpisode = rule.emitsAlerts && (emit == .episodes || (emit == .threshold && machine == nil))
        guard !consumers.isEmpty || wantsAlert || wantsEpisode else { return }
        if wantsEpisode {
            // An episode opening now takes the id of the one opened early for this group, if any.
            var id: UInt64 = 0
            var announcement: Announcement?
            if !episodes.isOpen(group) { (id, announcement) = openingID(key: key, end: window.end, env: &env) }
            let before = episodes.episode(of: group)
            let opened = episodes.record(group: group, window: window, inputs: inputs) { id }
            // Grown past an escalation bound with this window: one `updated` alert says so (the
            // sequencer raises the tier of this and the episode's later alerts).
            if opened == nil, let before, let after = episodes.episode(of: group),
                !EpisodeBook.isEscalated(before, count: escalationCount, duration: escalationDuration),
                EpisodeBook.isEscalated(after, count: escalationCount, duration: escalationDuration)
            {
                let info = Alert.Episode(
                    id: after.id, state: .updated, windows: after.windows, events: after.events,
                    firstSeen: Timestamp(nanoseconds: after.firstEnd), lastSeen: Timestamp(nanoseconds: after.lastEnd))
                env.alerts.append(
                    factory.window(
                        key: key, start: window.start, end: window.end, metric: window.metric, evidence: env.evidenceJSON(), episode: info))
                env.stats.alerts += 1
            }
            let generation = groups.generation(group)
            timers.push(.init(deadline: window.end &+ span, group: group, generation: generation, kind: .episode))
            if let episode = opened, announcement?.end != window.end {
                // Opened now, or opened early at a later window: a late input moved its first window.
                let state: Alert.Episode.State = announcement == nil ? .opened : .updated
                let info = Alert.Episode(
                    id: episode.id, state: state, windows: 1, events: episode.events, firstSeen: Timestamp(nanoseconds: window.end),
                    lastSeen: Timestamp(nanoseconds: window.end))
                let alert = factory.window(
                    key: key, start: window.start, end: window.end, metric: window.metric, evidence: env.evidenceJSON(), episode: info)
                env.alerts.append(alert)
                env.stats.alerts += 1
                if state == .updated { env.stats.movedEpisodes += 1 }
            }
            if consumers.isEmpty { return }
        }
        // Chained rules and the printed alert each take the window (they write to different outputs, so
        // which goes first does not matter).
        if !consumers.isEmpty { feedConsumers(window, key: key, env: &env) }
        if emit == .all && rule.emitsAlerts {
            let alert = factory.window(
                key: key, start: window.start, end: window.end, metric: window.metric, evidence: env.evidenceJSON())
            env.alerts.append(alert)
            env.stats.alerts += 1
        }
    }

    /// Turns a qualifying window into inputs of the rules that read this one: the window's alert JSON
    /// without evidence, then its evidence as kept (``DeferredWindow``), written out only if an alert of
    /// those rules prints it.
    func feedConsumers(_ window: QualifiedWindow, key: String, env: inout FlushEnvironment) {
        let factory = self.factory
        env.writeDeferredWindow {
            factory.appendWindowPrefix(key: key, start: window.start, end: window.end, metric: window.metric, to: &$0)
        }
        let evidence = env.deferred.withUnsafeBytes { env.chained.addEvidence($0, form: .window, receiveTime: .distantPast) }
        let values = GroupKey.split(key, count: rule.groupBy.count)
        let identity = GroupKey.hash(key, then: window.start)
        for (consumer, source) in zip(plan.consumers, consumerPlans) {
            let parentKey = GroupKey.join(source.projection.map { $0 < values.count ? values[$0] : "" })
            var value: String?
            var number = Double.nan
            switch source.childValue {
            case .none: break
            case .group(let index):
                value = index < values.count ? values[index] : nil
                number = value.flatMap(NumericValue.parse) ?? .nan
            case .metric:
                value = JSONMetric.text(window.metric)
                number = window.metric
            }
            env.chained.appendChainInput(
                rule: consumer.rule, slot: consumer.slot, time: window.end, source: FlushEnvironment.chainSource(rule: rule.index),
                sequence: identity, key: parentKey, value: value, number: number, evidence: evidence)
        }
    }
}

/// Metric values as text (a chained `value_count` over a metric counts distinct texts).
enum JSONMetric {
    static func text(_ value: Double) -> String {
        var out: [UInt8] = []
        JSONOutput.appendDouble(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
