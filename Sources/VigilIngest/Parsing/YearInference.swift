import VigilEvent

/// Chooses the year of a stamp written without one (RFC 3164 `Mmm dd hh:mm:ss`).
///
/// Rule: the latest year that does not put the event more than ``futureTolerance`` after a reference
/// instant: the time the batch was received (live input, pipes), or a file's modification time (no line
/// of a file was written after it, so a file of 2015 read today lands in 2015, not in this year). Logs
/// describe the past, so a December line read in January lands in the previous year, while a line
/// stamped `Jan  1 00:00:02` read at 23:59:59 on 31 December (a sender whose clock runs a little ahead)
/// lands in the next one. A line more than a year older than the reference cannot be told apart from a
/// recent one and gets the most recent year that fits. A 29 February goes back to the last leap year.
/// With a fixed year (`--year`), every stamp is placed in that year, whatever the zone.
struct YearInference {
    /// How far after the receive time an event may be stamped: enough for skewed clocks and a sender
    /// in a zone other than the configured one (up to 14 hours), small enough that replayed files of
    /// past months do not jump into the future.
    static let futureTolerance: Int64 = 86_400

    private let latestAllowed: Int64
    private let receiveSeconds: Int64
    /// The reference's year in the configured zone.
    let receiveYear: Int
    /// The year every stamp gets (`--year`), or nil to infer it.
    let fixedYear: Int?
    /// The instant years are inferred against.
    let reference: Timestamp

    init(reference: Timestamp, zone: TimeZoneOffsets, fixedYear: Int? = nil) {
        self.fixedYear = fixedYear
        self.reference = reference
        receiveSeconds = reference.seconds
        latestAllowed = receiveSeconds + Self.futureTolerance
        let local = receiveSeconds + Int64(zone.offset(atUTC: receiveSeconds))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        receiveYear = Timestamp.civilFromDays(days).year
    }

    /// Sets `time.year` and returns its UTC seconds, or nil when no year makes the date valid
    /// (which only a bad day-of-month can cause, and the parser rejects those earlier).
    func place(_ time: inout ParsedCivilTime, zone: inout TimeZoneOffsets) -> Int64? {
        if let fixedYear {
            time.year = fixedYear
            if time.isValidDate { return zone.utcSeconds(fromLocal: time.localSeconds) }
            return placeBefore(fixedYear, &time, zone: &zone)
        }
        time.year = receiveYear
        if time.isValidDate {
            let utc = zone.utcSeconds(fromLocal: time.localSeconds)
            if utc <= latestAllowed {
                // Only an early-January stamp read in late December can belong to the next year.
                if utc < receiveSeconds - 364 * 86_400 {
                    var next = time
                    next.year += 1
                    if next.isValidDate {
                        let nextUTC = zone.utcSeconds(fromLocal: next.localSeconds)
                        if nextUTC <= latestAllowed {
                            time = next
                            return nextUTC
                        }
                    }
                }
                return utc
            }
        }
        return placeBefore(receiveYear, &time, zone: &zone)
    }

    /// The latest year before `year` in which the date is valid (a 29 February), within eight years.
    private func placeBefore(_ year: Int, _ time: inout ParsedCivilTime, zone: inout TimeZoneOffsets) -> Int64? {
        for back in 1...8 {
            time.year = year - back
            if time.isValidDate { return zone.utcSeconds(fromLocal: time.localSeconds) }
        }
        return nil
    }
}
