/// One detector's per-rule working memory: candidate and matched rule lists, the stamps that keep a
/// rule from being listed twice for an event, and the detections per rule.
///
/// Fixed-size buffers (each list holds every rule at most once), so adding to them never checks
/// uniqueness or grows anything, as the Swift arrays they replace did per candidate. Owned by one
/// ``Detector``; not shared between threads (hence no dynamic exclusivity checks on its counts).
final class RuleScratch {
    let ruleCount: Int
    /// Rules the literal prefilter and the always-run lists enabled for the current event.
    let candidates: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) var candidateCount = 0
    /// Rules the current event matched, ascending.
    let matched: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) var matchedCount = 0
    /// Per rule: the event epoch it was last listed as a candidate in.
    let stamps: UnsafeMutablePointer<UInt32>
    /// Per rule: detections since the detector was created.
    let matchesPerRule: UnsafeMutablePointer<Int>

    init(ruleCount: Int) {
        self.ruleCount = ruleCount
        let capacity = max(ruleCount, 1)
        candidates = .allocate(capacity: capacity)
        matched = .allocate(capacity: capacity)
        stamps = .allocate(capacity: capacity)
        stamps.initialize(repeating: 0, count: capacity)
        matchesPerRule = .allocate(capacity: capacity)
        matchesPerRule.initialize(repeating: 0, count: capacity)
    }

    deinit {
        candidates.deallocate()
        matched.deallocate()
        stamps.deallocate()
        matchesPerRule.deallocate()
    }

    var matchedRules: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: matched, count: matchedCount) }

    /// Lists `rule` as a candidate unless it already is for event `epoch`.
    @inline(__always)
    func propose(_ rule: Int32, epoch: UInt32) {
        if stamps[Int(rule)] != epoch {
            stamps[Int(rule)] = epoch
            candidates[candidateCount] = rule
            candidateCount &+= 1
        }
    }

    /// Forgets every stamp (when the event epoch wraps around).
    func resetStamps() {
        stamps.update(repeating: 0, count: max(ruleCount, 1))
    }
}
