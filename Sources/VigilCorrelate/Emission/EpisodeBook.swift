/// Open episodes of one rule in one shard (`--emit episodes`).
///
/// An episode opens with a group's first qualifying window, absorbs every further qualifying window,
/// and closes once one timespan has passed in event time without one. Only groups with an open
/// episode have an entry, so idle groups cost nothing here.
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

    private(set) var open: [UInt32: Episode] = [:]

    var count: Int { open.count }

    /// Records a qualifying window. Returns the episode when this window opens it.
    mutating func record(group: UInt32, window: QualifiedWindow, inputs: Int, id: () -> UInt64) -> Episode? {
        if var episode = open[group] {
            episode.windows += 1
            episode.lastEnd = max(episode.lastEnd, window.end)
            episode.events += episode.pending + inputs
            episode.pending = 0
            episode.peakMetric = max(episode.peakMetric, window.metric)
            open[group] = episode
            return nil
        }
        let episode = Episode(
            id: id(), firstStart: window.start, firstEnd: window.end, lastEnd: window.end, windows: 1, events: window.inputs,
            pending: 0, peakMetric: window.metric)
        open[group] = episode
        return episode
    }

    /// Counts inputs of a run whose window did not qualify.
    mutating func noteInputs(group: UInt32, count: Int) {
        guard count > 0, open[group] != nil else { return }
        open[group]!.pending += count
    }

    /// Closes the group's episode if `deadline` is one timespan after its last qualifying window.
    mutating func closeIfDue(group: UInt32, deadline: Int64, span: Int64) -> Episode? {
        guard let episode = open[group], episode.lastEnd &+ span == deadline else { return nil }
        open[group] = nil
        return episode
    }

    /// Removes the group's episode (group evicted).
    mutating func remove(group: UInt32) -> Episode? {
        open.removeValue(forKey: group)
    }
}
