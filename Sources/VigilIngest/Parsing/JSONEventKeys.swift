import VigilEvent

/// Which JSON members fill the event header, by full dotted path. Earlier names win over later ones.
///
/// - time: ``ParserOptions/jsonTimeKeys`` (default `timestamp`, `@timestamp`, `time`, `ts`); the first
///   one present whose value reads as a time (see ``EventParser/jsonTime(_:kind:in:)``).
/// - host: `host`, `hostname`, `Hostname` (OTRF Windows), `host.name`, `host.hostname` (ECS), `_HOSTNAME`
///   (journald).
/// - app: `program`, `app`, `appname`, `app_name`, `process.name` (ECS), `SYSLOG_IDENTIFIER` (journald).
/// - pid: `pid`, `procid`, `process.pid` (ECS), `_PID` (journald); a string or a number.
/// - message: `message`, `msg`, `Message` (OTRF Windows), `MESSAGE` (journald).
///
/// host, app and message take strings only. Every member stays a field as well.
struct JSONEventKeys {
    enum Role: UInt8 {
        case time, host, app, pid, message
    }

    static let hostKeys = ["host", "hostname", "Hostname", "host.name", "host.hostname", "_HOSTNAME"]
    static let appKeys = ["program", "app", "appname", "app_name", "process.name", "SYSLOG_IDENTIFIER"]
    static let pidKeys = ["pid", "procid", "process.pid", "_PID"]
    static let messageKeys = ["message", "msg", "Message", "MESSAGE"]

    private struct Entry {
        var symbol: Symbol
        var role: Role
        var rank: UInt8
    }
    private let entries: [Entry]
    /// Bit `rawValue % 64` set for every header symbol: most members are rejected by one test.
    private let filter: UInt64

    init(timeKeys: [String]) {
        var entries: [Entry] = []
        func add(_ names: [String], _ role: Role) {
            for (rank, name) in names.prefix(255).enumerated() {
                let symbol = Symbol(name)
                // A name listed twice keeps its first role and rank.
                if !entries.contains(where: { $0.symbol == symbol }) {
                    entries.append(Entry(symbol: symbol, role: role, rank: UInt8(rank)))
                }
            }
        }
        add(timeKeys, .time)
        add(Self.hostKeys, .host)
        add(Self.appKeys, .app)
        add(Self.pidKeys, .pid)
        add(Self.messageKeys, .message)
        self.entries = entries
        filter = entries.reduce(0) { $0 | (1 << UInt64($1.symbol.rawValue & 63)) }
    }

    /// The header role and rank of a member name, if it has one.
    @inline(__always)
    func role(of name: Symbol) -> (role: Role, rank: UInt8)? {
        guard filter & (1 << UInt64(name.rawValue & 63)) != 0 else { return nil }
        for entry in entries where entry.symbol == name { return (entry.role, entry.rank) }
        return nil
    }
}

/// The best header candidates found so far in one JSON object.
struct JSONHeaderCandidates {
    static let none = UInt8.max
    var ranks: (time: UInt8, host: UInt8, app: UInt8, pid: UInt8, message: UInt8) = (none, none, none, none, none)
    var host = ByteRange.empty
    var app = ByteRange.empty
    var pid = ByteRange.empty
    var message = ByteRange.empty
    var time = Timestamp(nanoseconds: 0)
    var timePrecision: UInt8 = 0
    /// Offset in the message of a time member that read as a time vigil cannot hold (-1: none).
    var timeOutOfRangeAt = -1

    @inline(__always)
    mutating func reset() {
        ranks = (Self.none, Self.none, Self.none, Self.none, Self.none)
        timeOutOfRangeAt = -1
    }
}

/// Per-worker JSON state.
struct JSONScratch {
    var header = JSONHeaderCandidates()
}

extension EventParser {
    /// Records a header member if it beats what the object has offered so far.
    @inline(__always)
    mutating func noteHeaderCandidate(
        _ match: (role: JSONEventKeys.Role, rank: UInt8), value: ByteRange, kind: FieldKind, in m: MessageBytes
    ) {
        let rank = match.rank
        switch match.role {
        case .host:
            if kind == .string && rank < json.header.ranks.host {
                json.header.ranks.host = rank
                json.header.host = value
            }
        case .app:
            if kind == .string && rank < json.header.ranks.app {
                json.header.ranks.app = rank
                json.header.app = value
            }
        case .pid:
            if (kind == .string || kind == .number) && rank < json.header.ranks.pid {
                json.header.ranks.pid = rank
                json.header.pid = value
            }
        case .message:
            if kind == .string && rank < json.header.ranks.message {
                json.header.ranks.message = rank
                json.header.message = value
            }
        case .time:
            guard rank < json.header.ranks.time else { break }
            switch jsonTime(value, kind: kind, in: m) {
            case .time(let time, let precision):
                json.header.ranks.time = rank
                json.header.time = time
                json.header.timePrecision = precision
            case .outOfRange:
                if json.header.timeOutOfRangeAt < 0 { json.header.timeOutOfRangeAt = Int(value.lowerBound) - m.offset }
            case nil:
                break
            }
        }
    }

    /// Copies the chosen header members into the event.
    @inline(__always)
    func applyJSONHeader(to event: inout Event) {
        let h = json.header
        if h.ranks.host != JSONHeaderCandidates.none { event.host = h.host }
        if h.ranks.app != JSONHeaderCandidates.none { event.app = h.app }
        if h.ranks.pid != JSONHeaderCandidates.none { event.pid = h.pid }
        if h.ranks.message != JSONHeaderCandidates.none { event.message = h.message }
        if h.ranks.time != JSONHeaderCandidates.none {
            event.time = h.time
            event.timeSource = .message
            event.timePrecision = h.timePrecision
        } else if h.timeOutOfRangeAt >= 0 {
            // The object keeps its members (rules still see them); only its time is refused.
            event.parseFailure = ParseFailure(.timeOutOfRange, at: h.timeOutOfRangeAt)
        }
    }
}
