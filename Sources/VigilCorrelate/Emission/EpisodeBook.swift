/// Open episodes of one rule in one shard (`--emit episodes`).
///
/// An episode opens with a group's first qualifying window, absorbs every further qualifying window,
/// and closes once one timespan has passed in event time without one. Idle groups cost one 32-bit index
/// here; episodes themselves live in a small array reused through a free list.
struct EpisodeBook {
    struct Episode {
        var id: UInt64
        /// Start and end of the opening window.
        var firstStart: Int64
        var firstEnd: Int64
        /// End of the last qualifying window.
        var lastEnd: Int64
        var windows: Int
        /// Inputs absorbed: those of the opening window, then those of later runs up to the last
        /// qualifying window.
        var events: Int
        /// Inputs since the last qualifying window (absorbed if another one comes).
        var pending: Int
        var peakMetric: Double
    }

    static let none = UInt32.max
    /// Per group slot: index into `episodes`, or `none`.
    var index: [UInt32] = []
    var episodes: [Episode] = []
    var free: [UInt32] = []
    var count = 0

    mutating func grow(slots: Int, reserve: Int) { growArray(&index, to: slots, with: Self.none, reserve: reserve) }

    var memoryBytes: Int { index.capacity * 4 + episodes.capacity * MemoryLayout<Episode>.stride }

    /// Whether the group has an open episode.
    func isOpen(_ group: UInt32) -> Bool { Int(group) < index.count && index[Int(group)] != Self.none }

    /// Records a qualifying window. Returns the episode when this window opens it (`id` is asked for
    /// then only).
    mutating func record(group: UInt32, window: QualifiedWindow, inputs: Int, id: () -> UInt64) -> Episode? {
        let position = index[Int(group)]
        if position != Self.none {
            let p = Int(position)
            episodes[p].windows += 1
            episodes[p].lastEnd = max(episodes[p].lastEnd, window.end)
            episodes[p].events += episodes[p].pending + inputs
            episodes[p].pending = 0
            episodes[p].peakMetric = max(episodes[p].peakMetric, window.metric)
            return nil
        }
        let episode = Episode(
            id: id(), firstStart: window.start, firstEnd: window.end, lastEnd: window.end, windows: 1, events: window.inputs,
            pending: 0, peakMetric: window.metric)
        place(episode, for: group)
        return episode
    }

    /// Gives `group` the open `episode`, in a freed slot when there is one.
    mutating func place(_ episode: Episode, for group: UInt32) {
        if let reused = free.popLast() {
            episodes[Int(reused)] = episode
            index[Int(group)] = reused
        } else {
            index[Int(group)] = UInt32(episodes.count)
            episodes.append(episode)
        }
        count += 1
    }

    /// Whether `episode` has grown past an escalation bound (count of events, or span of its windows).
    static func isEscalated(_ episode: Episode, count: Int?, duration: Int64?) -> Bool {
        if let count, episode.events >= count { return true }
        if let duration, episode.lastEnd &- episode.firstEnd >= duration { return true }
        return false
    }

    /// Counts inputs of a run whose window did not qualify.
    mutating func noteInputs(group: UInt32, count inputs: Int) {
        let position = index[Int(group)]
        guard position != Self.none else { return }
        episodes[Int(position)].pending += inputs
    }

    /// Closes the group's episode if `deadline` is one timespan after its last qualifying window.
    mutating func closeIfDue(group: UInt32, deadline: Int64, span: Int64) -> Episode? {
        let position = index[Int(group)]
        guard position != Self.none, episodes[Int(position)].lastEnd &+ span == deadline else { return nil }
        return remove(group: group)
    }

    /// Removes the group's episode (closed, or group evicted).
    mutating func remove(group: UInt32) -> Episode? {
        let position = index[Int(group)]
        guard position != Self.none else { return nil }
        index[Int(group)] = Self.none
        free.append(position)
        count -= 1
        return episodes[Int(position)]
    }
}
