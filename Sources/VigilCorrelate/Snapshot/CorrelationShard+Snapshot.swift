import VigilEvent

/// A shard's section of a snapshot: the instant through which waiting inputs were applied early (the
/// state budget's floor), the evidence its state names (oldest first: reference, form, receive time,
/// settled event time, precision, bytes), then the state of each rule that holds any (identity,
/// definition digest, the name the log uses for it, and the rule's part as a length-prefixed section,
/// see RuleRuntime+Snapshot.swift).
extension CorrelationShard {
    func snapshotSection(definitions: [RuleDefinition]) -> [UInt8] {
        var rules = SnapshotWriter()
        var ruleCount = 0
        for (index, runtime) in runtimes.enumerated() {
            guard let runtime, runtime.holdsState else { continue }
            ruleCount += 1
            rules.string(definitions[index].identity)
            rules.u64(definitions[index].digest)
            rules.string(RuleDefinition.label(of: runtime.rule))
            let start = rules.beginSection()
            runtime.writeSnapshot(to: &rules)
            rules.endSection(start)
        }
        var out = SnapshotWriter()
        out.i64(appliedThrough)
        // Evidence already overwritten in the ring is left out: its references read as missing again.
        let held = rules.usedRefs.compactMap { ref in environment.evidence.position(of: ref).map { (ref: ref, position: $0) } }
            .sorted { $0.position < $1.position }
        out.count(held.count)
        for (ref, _) in held {
            environment.evidence.withEntry(ref) { form, time, bytes in
                out.u32(ref)
                out.u8(form.rawValue)
                out.i64(time.received)
                out.i64(time.event)
                out.u8(time.precision)
                out.data(bytes)
            }
        }
        out.count(ruleCount)
        out.bytes += rules.bytes
        return out.bytes
    }

    /// Takes this shard's share of restored state: for each rule it runs, the groups and waiting inputs
    /// whose key hashes to it (all of them in the chain shard), groups in least-recently-seen order and
    /// within the rule's group limit (the oldest beyond it are dropped, counted as evicted), their
    /// timers, and the evidence they name, added to the ring oldest first.
    func restore(_ restored: RestoredCorrelation) {
        let shards = UInt64(max(1, options.shards))
        let owns: (UInt64) -> Bool
        switch role {
        case .chain: owns = { _ in true }
        case .group(let index): owns = { $0 % shards == UInt64(index) }
        }
        struct Chosen {
            var rule: Int
            var groups: [(part: Int, group: Int)]
            var pending: [(part: Int, input: Int)]
        }
        var chosen: [Chosen] = []
        var needed = Set<UInt64>()
        func need(_ section: Int, _ ref: UInt32) {
            if ref != 0 { needed.insert(UInt64(section) << 32 | UInt64(ref)) }
        }
        for index in runtimes.indices where runtimes[index] != nil {
            guard let parts = restored.parts[index] else { continue }
            var groups: [(part: Int, group: Int)] = []
            var pending: [(part: Int, input: Int)] = []
            for (p, part) in parts.enumerated() {
                for (g, group) in part.groups.enumerated() where owns(group.hash) { groups.append((p, g)) }
                for (i, input) in part.pending.enumerated() where owns(input.keyHash) { pending.append((p, i)) }
            }
            groups.sort { a, b in
                let x = parts[a.part].groups[a.group].lastSeen, y = parts[b.part].groups[b.group].lastSeen
                return x != y ? x < y : (a.part, a.group) < (b.part, b.group)
            }
            let excess = groups.count - runtimes[index]!.maxGroups
            if excess > 0 {
                groups.removeFirst(excess)
                lifetimeStats.evictedGroups += excess
            }
            for (p, g) in groups {
                let section = parts[p].section, group = parts[p].groups[g]
                for entry in group.window.entries { need(section, entry.ref) }
                for ref in group.window.sourceRefs { need(section, ref) }
                for entry in group.machine?.entries ?? [] { need(section, entry.ref) }
            }
            for (p, i) in pending { need(parts[p].section, parts[p].pending[i].ref) }
            chosen.append(Chosen(rule: index, groups: groups, pending: pending))
        }
        var refs: [UInt64: UInt32] = [:]
        for (section, table) in restored.evidence.enumerated() {
            for item in table where needed.contains(UInt64(section) << 32 | UInt64(item.ref)) {
                refs[UInt64(section) << 32 | UInt64(item.ref)] = restored.bytes.withUnsafeBytes { bytes in
                    environment.evidence.add(UnsafeRawBufferPointer(rebasing: bytes[item.bytes]), form: item.form, time: item.time)
                }
            }
        }
        for rule in chosen {
            let parts = restored.parts[rule.rule]!
            var slots: [Int: [Int: UInt32]] = [:]
            for (p, g) in rule.groups {
                let section = parts[p].section
                let slot = runtimes[rule.rule]!.restoreGroup(parts[p].groups[g]) { ref in
                    ref == 0 ? 0 : refs[UInt64(section) << 32 | UInt64(ref)] ?? EvidenceStore.expiredRef
                }
                if let slot { slots[p, default: [:]][g] = slot }
            }
            for (p, part) in parts.enumerated() {
                guard let restoredSlots = slots[p] else { continue }
                for timer in part.timers {
                    if let slot = restoredSlots[timer.group] { runtimes[rule.rule]!.restoreTimer(timer, slot: slot) }
                }
            }
            for (p, i) in rule.pending {
                var input = parts[p].pending[i]
                input.ref = input.ref == 0 ? 0 : refs[UInt64(parts[p].section) << 32 | UInt64(input.ref)] ?? EvidenceStore.expiredRef
                runtimes[rule.rule]!.restorePending(input)
            }
            for part in parts { runtimes[rule.rule]!.restoreEarly(part, owns: owns) }
        }
        appliedThrough = role == .chain ? restored.chainAppliedThrough : restored.groupAppliedThrough
    }
}
