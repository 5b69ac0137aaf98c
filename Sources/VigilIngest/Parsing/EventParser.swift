import VigilEvent

/// One parse worker's state: turns single messages into ``Event``s, reusing its scratch buffers so that
/// nothing is allocated per event once the buffers and the symbol cache have warmed up.
///
/// Bytes a parser derives (unescaped strings) go to ``derived`` with their final batch offsets already
/// computed (``derivedBase`` is the size of the raw buffer), so they can be appended to the batch in one
/// copy at the end, while the raw buffer is still being read.
struct EventParser {
    let options: ParserOptions
    let forcedFormat: EventFormat?
    var symbols: SymbolCache
    /// The zone of the batch being parsed (its listener's, else `--timezone`): ``zones``[``batchZone``],
    /// held apart so that the common path touches no array (a mutating access through an array checks
    /// its uniqueness each time: 70 instructions per line when it was there).
    var zone: TimeZoneOffsets
    /// Zones of zone-less stamps: `--timezone` first, then those of listeners and host patterns, each
    /// with its own offset cache. The entry of ``batchZone`` is stale while ``zone`` is in use.
    var zones: [TimeZoneOffsets]
    private var zoneNames: [String]
    private(set) var batchZone = 0
    /// Host patterns with their zone (``ParserOptions/hostTimeZones``), in the order given.
    private let hostZones: [(pattern: [UInt8], zone: Int)]
    /// Whether any host pattern is configured (read per message).
    let hasHostZones: Bool
    /// The last host looked up and its zone: consecutive lines of a file mostly share their host.
    private var lastHost: (hash: UInt64, zone: Int) = (0, -1)
    var years: YearInference
    let keys: JSONEventKeys
    /// Fields of the batch being parsed.
    var fields: [Field] = []
    var derived: [UInt8] = []
    var derivedBase = 0
    /// Field-name scratch (`prefix.key` paths, `SDID.param` names).
    var path: [UInt8] = []
    /// SD-IDs of the current RFC 5424 message, to reject duplicates.
    var structuredDataIDs: [Range<Int>] = []
    var json = JSONScratch()

    init(options: ParserOptions) {
        self.options = options
        if case .forced(let format) = options.format { forcedFormat = format } else { forcedFormat = nil }
        symbols = SymbolCache()
        zone = TimeZoneOffsets(identifier: options.timeZone) ?? TimeZoneOffsets(identifier: "UTC")!
        zones = [zone]
        zoneNames = [options.timeZone]
        var hostZones: [(pattern: [UInt8], zone: Int)] = []
        for entry in options.hostTimeZones {
            guard let zone = TimeZoneOffsets(identifier: entry.zone) else { continue }
            let index = zoneNames.firstIndex(of: entry.zone) ?? zones.count
            if index == zones.count {
                zones.append(zone)
                zoneNames.append(entry.zone)
            }
            hostZones.append((Array(entry.pattern.utf8), index))
        }
        self.hostZones = hostZones
        hasHostZones = !hostZones.isEmpty
        years = YearInference(reference: Timestamp(nanoseconds: 0), zone: zone)
        keys = JSONEventKeys(timeKeys: options.jsonTimeKeys)
        path.reserveCapacity(256)
    }

    /// Prepares for a batch whose raw buffer holds `rawByteCount` bytes; RFC 3164 years are inferred
    /// against `yearReference` (the receive time, or a file's modification time).
    mutating func beginBatch(yearReference: Timestamp, timeZone: String?, rawByteCount: Int) {
        let index = timeZone.map { zoneIndex(named: $0) } ?? 0
        let zoneChanged = index != batchZone
        if zoneChanged {
            zones[batchZone] = zone
            zone = zones[index]
            batchZone = index
        }
        lastHost = (0, -1)
        // The receive year is read in the batch's zone: a listener's zone changes it around New Year.
        if zoneChanged || yearReference != years.reference || options.year != years.fixedYear {
            years = YearInference(reference: yearReference, zone: zone, fixedYear: options.year)
        }
        derivedBase = rawByteCount
        derived.removeAll(keepingCapacity: true)
    }

    /// The index of a zone in ``zones``, added on first use (a listener's zone); an unknown name (which
    /// validation refuses earlier) is `--timezone`.
    private mutating func zoneIndex(named name: String) -> Int {
        if name == zoneNames[batchZone] { return batchZone }
        if let index = zoneNames.firstIndex(of: name) { return index }
        guard let zone = TimeZoneOffsets(identifier: name) else { return 0 }
        zones.append(zone)
        zoneNames.append(name)
        return zones.count - 1
    }

    /// The zone of a zone-less stamp from `host`: the first host pattern that matches it, else the
    /// batch's zone.
    @inline(__always)
    mutating func zoneIndex(forHost host: ByteRange?, in m: MessageBytes) -> Int {
        guard let host, !host.isEmpty else { return batchZone }
        let bytes = UnsafeRawBufferPointer(start: m.base + (Int(host.start) - m.offset), count: host.count)
        let hash = FNV1a.hash(bytes)
        if hash == lastHost.hash && lastHost.zone >= 0 { return lastHost.zone }
        var zone = batchZone
        for entry in hostZones where entry.pattern.withUnsafeBytes({ GlobMatch.matches($0, bytes, ignoringCase: true) }) {
            zone = entry.zone
            break
        }
        lastHost = (hash, zone)
        return zone
    }

    /// Takes the batch's fields, leaving an empty array with the same capacity hint.
    mutating func takeFields() -> [Field] {
        let capacity = fields.count
        var taken: [Field] = []
        swap(&taken, &fields)
        fields.reserveCapacity(capacity)
        return taken
    }

    /// Parses one non-empty message in the detected or forced format. A message that fails becomes
    /// raw: the whole message, the reason and the byte offset; whatever it had parsed is dropped.
    mutating func parse(_ m: MessageBytes, into event: inout Event) {
        let format = forcedFormat ?? m.detectFormat()
        let fieldMark = fields.count
        let derivedMark = derived.count
        let failure: ParseFailure?
        switch format {
        case .rfc5424: failure = parseRFC5424(m, into: &event)
        case .rfc3164: failure = parseRFC3164(m, into: &event)
        case .json: failure = parseJSON(m, into: &event)
        case .raw: failure = nil
        }
        if let failure {
            fields.removeSubrange(fieldMark...)
            derived.removeSubrange(derivedMark...)
            Self.makeRaw(&event, message: m.range(0, m.count), failure: failure)
            return
        }
        event.format = format
        if format == .raw {
            event.message = m.range(0, m.count)
            return
        }
        if format != .json, let message = event.message {
            parseCEEPayload(m, messageStart: Int(message.start) - m.offset, into: &event)
        }
        event.fields = FieldSpan(start: fieldMark, count: fields.count - fieldMark)
    }

    /// Resets an event to raw text carrying a failure (or none).
    static func makeRaw(_ event: inout Event, message: ByteRange, failure: ParseFailure?) {
        let kept = event
        event = Event(source: kept.source, sequence: kept.sequence, receiveTime: kept.receiveTime, raw: kept.raw)
        event.message = message
        event.parseFailure = failure
    }

    // MARK: Helpers shared by the parsers

    /// The batch range of bytes about to be appended to ``derived``.
    @inline(__always)
    var derivedPosition: Int { derivedBase + derived.count }

    /// Interns the bytes of ``path``, a field name read from the input: nil when the symbol table's cap
    /// on input names is reached and the name is new (the table counts it; the field is dropped).
    @inline(__always)
    mutating func internPath() -> Symbol? {
        path.withUnsafeBytes { symbols.dynamicSymbol(for: $0) }
    }

    @inline(__always)
    mutating func appendField(_ name: Symbol, _ value: ByteRange, _ kind: FieldKind) {
        fields.append(Field(name: name, value: value, kind: kind))
    }
}
