import Foundation

/// Converts wall-clock times of one IANA zone to UTC without asking Foundation per event.
///
/// Offsets are cached per local hour (a small direct-mapped table): Foundation is consulted once per
/// hour of log time seen, twice more for an hour that contains a DST change, whose events are then
/// converted one by one. Owned by one parse worker; not `Sendable` on purpose.
struct TimeZoneOffsets {
    private let zone: TimeZone?
    private var hours: [Int64]
    private var offsets: [Int32]
    private static let slots = 64
    private static let noHour = Int64.min

    /// `identifier` is an IANA name; `UTC` (and any zone without offsets) takes a fast path.
    init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        // A zone that is UTC now and changes no more (UTC, Etc/UTC, GMT) needs no lookups at all.
        let isUTC = zone.secondsFromGMT(for: Date()) == 0 && zone.nextDaylightSavingTimeTransition == nil
        self.zone = isUTC ? nil : zone
        hours = Array(repeating: Self.noHour, count: Self.slots)
        offsets = Array(repeating: 0, count: Self.slots)
    }

    /// UTC seconds of a wall-clock time given as seconds since the epoch read as if it were UTC.
    @inline(__always)
    mutating func utcSeconds(fromLocal local: Int64) -> Int64 {
        guard let zone else { return local }
        let hour = local >= 0 ? local / 3600 : (local - 3599) / 3600
        let slot = Int(truncatingIfNeeded: hour) & (Self.slots - 1)
        if hours[slot] == hour { return local - Int64(offsets[slot]) }
        return slowUTCSeconds(fromLocal: local, hour: hour, slot: slot, zone: zone)
    }

    /// The offset east of UTC in effect at a UTC instant (used for the receive time).
    func offset(atUTC seconds: Int64) -> Int {
        guard let zone else { return 0 }
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    private mutating func slowUTCSeconds(fromLocal local: Int64, hour: Int64, slot: Int, zone: TimeZone) -> Int64 {
        let start = hour * 3600
        let first = Self.offset(ofLocal: start, in: zone)
        let last = Self.offset(ofLocal: start + 3599, in: zone)
        if first == last {
            hours[slot] = hour
            offsets[slot] = Int32(first)
            return local - Int64(first)
        }
        // A DST change inside this hour: no caching, exact per event.
        return local - Int64(Self.offset(ofLocal: local, in: zone))
    }

    /// The offset of a local time: the offset at a first UTC guess, re-read at the corrected instant.
    /// Wall times that occur twice (the repeated hour when clocks go back) are ambiguous; this picks one.
    private static func offset(ofLocal local: Int64, in zone: TimeZone) -> Int {
        let guess = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local)))
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local - Int64(guess))))
    }
}
