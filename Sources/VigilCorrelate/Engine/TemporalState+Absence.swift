/// Forward windows of clauses with an absent rule (`failed and not accepted`).
///
/// A run at `t` that matches a present rule of such a clause (any referenced rule, for a clause with
/// only absent rules) anchors the window `[t, t + span]`. The window is decided when the watermark
/// passes its end: it qualifies when every present rule matched in it (in order, for
/// `temporal_ordered`) and no absent rule matched in it, the anchoring events themselves excepted.
///
/// Payload of an anchor: bit k of the low half set when clause k is anchored, bit k of the high half
/// when clause k has already failed (an absent rule matched).
extension TemporalState {
    mutating func updateAnchors(_ events: [RunEvent], matched: UInt32, group: UInt32, time: Int64, context: inout EvaluationContext) {
        let g = Int(group)
        if matched & absentUnion != 0, anchorQueues[g].count > 0 {
            var failed: UInt64 = 0
            for (k, clause) in forward.enumerated() where clause.absentMask & matched != 0 { failed |= 1 << UInt64(k) }
            anchors.updatePayloads(anchorQueues[g]) { $0 |= failed << 32 }
            // Anchors with no live clause left can go; the timer of a removed anchor finds nothing.
            while anchorQueues[g].count > 0, isDead(anchors.payload[anchors.frontPosition(anchorQueues[g])]) {
                anchors.popFront(&anchorQueues[g])
            }
        }
        var anchored: UInt64 = 0
        var failed: UInt64 = 0
        var anchorRef: UInt32 = 0
        for (k, clause) in forward.enumerated() {
            let bit = UInt64(1) << UInt64(k)
            if clause.presentMask == 0 || clause.presentMask & matched != 0 { anchored |= bit } else { continue }
            for event in events {
                let isAnchor = clause.presentMask == 0 || event.slots & clause.presentMask != 0
                if isAnchor {
                    if anchorRef == 0 { anchorRef = event.ref }
                } else if event.slots & clause.absentMask != 0 {
                    failed |= bit
                }
            }
        }
        let payload = anchored | failed << 32
        guard anchored != 0, !isDead(payload) else { return }
        anchors.push(&anchorQueues[g], time: time, ref: anchorRef, payload: payload)
        context.deadlines.append(time &+ span)
    }

    private func isDead(_ payload: UInt64) -> Bool { (payload & 0xFFFF_FFFF) & ~(payload >> 32) == 0 }

    mutating func decide(group: UInt32, deadline: Int64, horizon: Int64, context: inout EvaluationContext) -> DeadlineOutcome {
        let g = Int(group)
        guard !forward.isEmpty else { return .none }
        while anchorQueues[g].count > 0 {
            let front = anchors.frontPosition(anchorQueues[g])
            let start = anchors.times[front]
            let end = start &+ span
            if end > deadline { return .none }
            let payload = anchors.payload[front]
            let ref = anchors.refs[front]
            anchors.popFront(&anchorQueues[g])
            guard end == deadline else { continue }
            let live = (payload & 0xFFFF_FFFF) & ~(payload >> 32)
            if live == 0 { return .none }
            if end > horizon { return .incomplete }
            let seen = presentMask(group: group, since: start)
            let seenAfter = presentMask(group: group, since: start, strictlyAfter: true)
            var holds = false
            for (k, clause) in forward.enumerated() where live & (1 << UInt64(k)) != 0 {
                if clause.absentMask & seenAfter == 0, clause.presentMask & seen == clause.presentMask,
                    !ordered || chainStart(clause, group: group) >= start
                {
                    holds = true
                    break
                }
            }
            guard holds else { return .none }
            _ = context.addEvidence(ref)
            addEvidence(group: group, present: seen, context: &context)
            return .qualified(
                QualifiedWindow(start: start, end: end, metric: Double(seen.nonzeroBitCount), inputs: seen.nonzeroBitCount))
        }
        return .none
    }
}
