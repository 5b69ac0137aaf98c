import Synchronization
import VigilAlert
import VigilOutput

/// The exceptions in force, as the pipeline consults them before any output: an alert whose rule id and
/// entity match an unexpired exception is not raised (it is counted, per exception).
///
/// Loaded from the store when it opens and updated at once when an analyst adds an exception. The
/// counts are written to the store with its next batch or maintenance turn; an exception that expires
/// stops applying at once, and the store records its expiry (history and log) once.
public final class AlertExceptionList: AlertFilter {
    private struct State {
        /// Unexpired exceptions, and what each kept back since its count was last written.
        var active: [Entry] = []
        /// Exceptions that expired and whose expiry the store has not recorded yet.
        var expired: [AlertException] = []
        /// Counts taken for writing whose exception has expired meanwhile.
        var unsavedOfInactive: [Int64: Int64] = [:]
    }

    private struct Entry {
        var exception: AlertException
        var unsaved: Int64 = 0
        /// The rule id's bytes when JSON writes them as they are: lines without them are not parsed.
        var marker: [UInt8]?
    }

    private let state = Mutex(State())
    /// Unexpired exceptions: the pipeline's thread reads it without taking the lock.
    private let activeCount = Atomic<Int>(0)

    public init() {}

    /// `alerts` without the excepted ones, and how many were taken out.
    public func filter(_ alerts: AlertLines, now: Int64) -> (kept: AlertLines, excepted: Int) {
        guard activeCount.load(ordering: .relaxed) > 0, !alerts.isEmpty else { return (alerts, 0) }
        return state.withLock { state in
            Self.expire(&state, now: now, activeCount: activeCount)
            guard !state.active.isEmpty else { return (alerts, 0) }
            var kept = AlertLines()
            var excepted = 0
            var keptAll = true
            for index in 0..<alerts.count {
                let range = alerts.range(of: index)
                let line = alerts.bytes[range.lowerBound..<(range.upperBound - 1)]
                if let match = Self.match(line, in: state.active) {
                    state.active[match].unsaved += 1
                    state.active[match].exception.applied += 1
                    excepted += 1
                    if keptAll {
                        // Copy the alerts before this one only once one is taken out.
                        for earlier in 0..<index { kept.append(alerts, at: earlier) }
                        keptAll = false
                    }
                } else if !keptAll {
                    kept.append(alerts, at: index)
                }
            }
            return (keptAll ? alerts : kept, excepted)
        }
    }

    /// Unexpired exceptions now.
    public var active: [AlertException] { state.withLock { $0.active.map(\.exception) } }

    private static func match(_ line: ArraySlice<UInt8>, in active: [Entry]) -> Int? {
        guard active.contains(where: { $0.marker.map { contains(line, $0) } ?? true }),
            let (ruleID, entity) = AlertRecord.ruleAndEntity(line)
        else {
            return nil
        }
        return active.firstIndex { $0.exception.ruleID == ruleID && $0.exception.entity == entity }
    }

    private static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    private static func expire(_ state: inout State, now: Int64, activeCount: borrowing Atomic<Int>) {
        guard state.active.contains(where: { $0.exception.expiresAt <= now }) else { return }
        for entry in state.active where entry.exception.expiresAt <= now {
            state.expired.append(entry.exception)
            if entry.unsaved > 0 { state.unsavedOfInactive[entry.exception.id, default: 0] += entry.unsaved }
        }
        state.active.removeAll { $0.exception.expiresAt <= now }
        activeCount.store(state.active.count, ordering: .relaxed)
    }

    // MARK: The store's side

    /// Replaces the list with `exceptions` (at open): the unexpired ones apply, the expired ones wait for
    /// their expiry to be recorded.
    func load(_ exceptions: [AlertException]) {
        state.withLock { state in
            state = State()
            for exception in exceptions { state.active.append(Self.entry(exception)) }
            activeCount.store(state.active.count, ordering: .relaxed)
        }
    }

    /// Applies `exception` from now on.
    func add(_ exception: AlertException) {
        state.withLock { state in
            state.active.append(Self.entry(exception))
            activeCount.store(state.active.count, ordering: .relaxed)
        }
    }

    private static func entry(_ exception: AlertException) -> Entry {
        let plain = exception.ruleID.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x80 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        return Entry(exception: exception, marker: plain && !exception.ruleID.isEmpty ? Array(exception.ruleID.utf8) : nil)
    }

    /// Takes out the exceptions expired by `now` whose expiry is still to be recorded.
    func expire(now: Int64) -> [AlertException] {
        state.withLock { state in
            Self.expire(&state, now: now, activeCount: activeCount)
            defer { state.expired.removeAll() }
            return state.expired
        }
    }

    /// Puts back expiries the store could not record.
    func giveBackExpired(_ expired: [AlertException]) {
        state.withLock { $0.expired.append(contentsOf: expired) }
    }

    /// Takes the counts not written yet, per exception id.
    func takeAppliedCounts() -> [(Int64, Int64)] {
        state.withLock { state in
            var counts = state.unsavedOfInactive.map { ($0.key, $0.value) }
            state.unsavedOfInactive.removeAll()
            for index in state.active.indices where state.active[index].unsaved > 0 {
                counts.append((state.active[index].exception.id, state.active[index].unsaved))
                state.active[index].unsaved = 0
            }
            return counts
        }
    }

    /// Puts back counts the store could not write.
    func giveBack(_ counts: [(Int64, Int64)]) {
        state.withLock { state in
            for (id, count) in counts {
                if let index = state.active.firstIndex(where: { $0.exception.id == id }) {
                    state.active[index].unsaved += count
                } else {
                    state.unsavedOfInactive[id, default: 0] += count
                }
            }
        }
    }

    /// The counts not written yet, per exception id.
    func unsavedCounts() -> [Int64: Int64] {
        state.withLock { state in
            var counts = state.unsavedOfInactive
            for entry in state.active where entry.unsaved > 0 { counts[entry.exception.id, default: 0] += entry.unsaved }
            return counts
        }
    }
}
