import VigilEvent

/// One rule's state in one shard, written to and read from a snapshot (docs/correlation.md, "Restarts").
///
/// Layout: groups (count, then per group, least recently seen first: key, last seen, the type's window
/// state, the `--emit threshold` operation when the rule has one, the open episode if any), timers of
/// live groups (deadline, group index in that list, kind), then the inputs waiting for the watermark
/// (time, sequence, number, source slot, source id, evidence, group-key hash, key, value if any);
/// from format version 2 on, then the episode numbers (key hash, day, number), the episodes opened early
/// (key, id, window start and end, metric, day, number) and the value flags of value_sum groups (key,
/// flags).
extension RuleRuntime {
    /// Whether the rule holds anything in this shard (timers belong to groups).
    var holdsState: Bool { groups.count > 0 || !pending.isEmpty || ledger.count > 0 || !announced.isEmpty || !valueFlags.isEmpty }

    func writeSnapshot(to out: inout SnapshotWriter) {
        var indexOfSlot = [Int32](repeating: -1, count: groups.slotCount)
        out.count(groups.count)
        var slot = groups.oldest
        var index: Int32 = 0
        while slot != GroupTable.none {
            indexOfSlot[Int(slot)] = index
            index += 1
            out.string(groups.keys[Int(slot)])
            out.i64(groups.lastSeen(slot))
            evaluator.writeGroup(slot, to: &out)
            machine?.writeGroup(slot, to: &out)
            EpisodeBook.write(episodes.episode(of: slot), to: &out)
            slot = groups.newer(than: slot)
        }
        // A timer whose group slot was freed or reused since would be skipped when due: not kept.
        let live = timers.items.filter { timer in
            Int(timer.group) < indexOfSlot.count && indexOfSlot[Int(timer.group)] >= 0
                && groups.generation(timer.group) == timer.generation
        }
        out.count(live.count)
        for timer in live {
            out.i64(timer.deadline)
            out.u32(UInt32(indexOfSlot[Int(timer.group)]))
            out.u8(timer.kind.rawValue)
        }
        out.count(pending.count)
        pending.forEach { input in
            out.i64(input.time)
            out.u64(input.sequence)
            out.f64(input.number)
            out.u32(UInt32(bitPattern: input.slot))
            out.u32(input.source.rawValue)
            out.ref(input.ref)
            out.u64(input.keyHash)
            out.string(input.key)
            out.bool(input.value != nil)
            if let value = input.value { out.string(value) }
        }
        // Sorted, so that the same state gives the same bytes.
        out.count(ledger.count)
        for (hash, entry) in ledger.entries.sorted(by: { $0.key < $1.key }) {
            out.u64(hash)
            out.i64(entry.day)
            out.u32(UInt32(clamping: entry.number))
        }
        out.count(announced.count)
        for (key, announcement) in announced.sorted(by: { $0.key < $1.key }) {
            out.string(key)
            out.u64(announcement.id)
            out.i64(announcement.start)
            out.i64(announcement.end)
            out.f64(announcement.metric)
            out.i64(announcement.day)
            out.u32(UInt32(clamping: announcement.number))
        }
        out.count(valueFlags.count)
        for (key, flags) in valueFlags.sorted(by: { $0.key < $1.key }) {
            out.string(key)
            out.u8(flags)
        }
    }

    /// Reads one part written by ``writeSnapshot(to:)``, checked against this rule: source slots,
    /// temporal dimensions, whether it has a threshold operation, every index and length. A group's
    /// hash is computed again from its key (it picks the shard).
    func readSnapshot(
        _ input: inout SnapshotReader, section: Int, version: UInt32 = CorrelationSnapshot.version
    ) throws(CorrelationSnapshotError) -> RulePartSnapshot {
        var part = RulePartSnapshot(section: section)
        // Key length, last seen, and at least a count and the episode flag.
        let groupCount = try input.count(minimumBytes: 17)
        part.groups.reserveCapacity(groupCount)
        for _ in 0..<groupCount {
            let key = try input.string()
            let lastSeen = try input.i64()
            let window = try evaluator.readGroup(from: &input)
            let machine = self.machine == nil ? nil : try ThresholdMachine.readGroup(from: &input)
            let episode = try EpisodeBook.read(from: &input)
            part.groups.append(
                SnapshotGroup(key: key, hash: GroupKey.hash(key), lastSeen: lastSeen, window: window, machine: machine, episode: episode))
        }
        let timerCount = try input.count(minimumBytes: 13)
        part.timers.reserveCapacity(timerCount)
        for _ in 0..<timerCount {
            let deadline = try input.i64(), group = Int(try input.u32()), kind = try input.u8()
            guard group < part.groups.count, let kind = TimerHeap.Kind(rawValue: kind) else {
                throw CorrelationSnapshotError("a timer of group \(group) (of \(part.groups.count)), kind \(kind)")
            }
            part.timers.append(SnapshotTimer(deadline: deadline, group: group, kind: kind))
        }
        let pendingCount = try input.count(minimumBytes: 49)
        part.pending.reserveCapacity(pendingCount)
        for _ in 0..<pendingCount {
            let time = try input.i64(), sequence = try input.u64(), number = try input.f64()
            let slot = Int(try input.u32()), source = try input.u32(), ref = try input.u32(), keyHash = try input.u64()
            let key = try input.string()
            let value = try input.bool() ? try input.string() : nil
            guard slot < rule.sources.count else { throw CorrelationSnapshotError("an input for source \(slot) of \(rule.sources.count)") }
            let id: SourceID
            switch rule.sources[slot].target {
            case .correlation(let child):
                // The child's windows: named by the child's index in this rule set, which may differ.
                id = FlushEnvironment.chainSource(rule: child)
            case .detection:
                guard source < SnapshotLimits.maxSourceID else { throw CorrelationSnapshotError("an input of source id \(source)") }
                id = SourceID(source)
            }
            part.pending.append(
                PendingInput(
                    time: time, sequence: sequence, keyHash: keyHash, number: number, key: key, value: value, slot: Int32(slot),
                    source: id, ref: ref))
        }
        if version >= 2 { try readEarly(&input, into: &part) }
        try input.expectEnd("the state of rule \(RuleDefinition.identity(of: rule))")
        return part
    }

    /// Episode numbers, episodes opened early and value flags (format version 2).
    private func readEarly(_ input: inout SnapshotReader, into part: inout RulePartSnapshot) throws(CorrelationSnapshotError) {
        let ledgerCount = try input.count(minimumBytes: 20)
        for _ in 0..<ledgerCount {
            let hash = try input.u64(), day = try input.i64(), number = Int(try input.u32())
            part.ledger.append((hash, EpisodeLedger.Entry(day: day, number: number)))
        }
        let announcedCount = try input.count(minimumBytes: 48)
        for _ in 0..<announcedCount {
            let key = try input.string()
            let id = try input.u64(), start = try input.i64(), end = try input.i64(), metric = try input.f64()
            let day = try input.i64(), number = Int(try input.u32())
            part.announced.append(
                (key, Announcement(id: id, start: start, end: end, metric: metric, day: day, number: number)))
        }
        let flagCount = try input.count(minimumBytes: 5)
        for _ in 0..<flagCount {
            let key = try input.string()
            part.valueFlags.append((key, try input.u8()))
        }
    }

    /// Takes restored episode numbers, early episodes and value flags (those whose key this shard owns).
    mutating func restoreEarly(_ part: RulePartSnapshot, owns: (UInt64) -> Bool) {
        for (hash, entry) in part.ledger where owns(hash) { ledger.restore(hash: hash, entry) }
        for (key, announcement) in part.announced where owns(GroupKey.hash(key)) {
            announced[key] = announcement
            // Its group is checked again at the next step (it may have waiting inputs).
            pending.touch(key: key, hash: GroupKey.hash(key))
        }
        if tracksValues {
            for (key, flags) in part.valueFlags where owns(GroupKey.hash(key)) { valueFlags[key, default: 0] |= flags }
        }
    }

    /// Adds a group read from a snapshot as the newest group; nil (nothing added) when its key is
    /// already held.
    mutating func restoreGroup(_ group: SnapshotGroup, refs: (UInt32) -> UInt32) -> UInt32? {
        guard groups.find(group.key, hash: group.hash) == nil else { return nil }
        let slot = groups.insert(group.key, hash: group.hash, time: group.lastSeen)
        evaluator.grow(slots: groups.slotCount, reserve: 0)
        machine?.grow(slots: groups.slotCount, reserve: 0)
        episodes.grow(slots: groups.slotCount, reserve: 0)
        evaluator.reset(slot)
        evaluator.restoreGroup(slot, group.window, refs: refs)
        if let state = group.machine { machine?.restoreGroup(slot, state, refs: refs) }
        if let episode = group.episode { episodes.restore(group: slot, episode) }
        return slot
    }

    mutating func restoreTimer(_ timer: SnapshotTimer, slot: UInt32) {
        timers.push(.init(deadline: timer.deadline, group: slot, generation: groups.generation(slot), kind: timer.kind))
    }

    mutating func restorePending(_ input: PendingInput) {
        pending.insert(input)
    }
}
