import VigilCorrelate
import VigilEvent

/// The detections of one batch that may become alerts, as the workers found them, for the ordered
/// alert stage to fold into episodes (docs/alerts.md, "Suppression").
///
/// Nothing is rendered here: a detection carries its key values and the message as received, and only
/// the few that open or update an episode are rendered (again) as JSON by the ordered stage. One buffer
/// per batch, no allocation per detection.
struct DetectionRecords: Sendable {
    struct Record: Sendable {
        /// The detection rule (``RuleID`` raw value).
        var rule: UInt32
        /// Event time (ns) the episode logic uses; ``CorrelationBatch/pendingTime`` until the ordered
        /// stage fills in an untimed event's.
        var time: Int64
        /// Hash of the rule's key values (``key``), for the episode table.
        var keyHash: UInt64
        /// The key values, each as `length` (UInt32, or `UInt32.max` for a missing field) then bytes.
        var keyStart: UInt32
        var keyCount: UInt32
        /// The event's host (header host), when it has one: `hostCount == UInt32.max` when not.
        var hostStart: UInt32
        var hostCount: UInt32
        /// The evidence: the message as received, or the event's JSON when the message would not parse
        /// again into the same event (cut or flagged by the framer).
        var evidenceStart: UInt32
        var evidenceCount: UInt32
        var evidenceForm: CorrelationBatch.EvidenceForm
        var evidenceTime: EvidenceTime
        /// The event's index in its batch (its archive sequence is the batch's first plus this).
        var event: UInt32
    }

    private(set) var records: [Record] = []
    private(set) var bytes: [UInt8] = []

    var isEmpty: Bool { records.isEmpty }
    var count: Int { records.count }

    static let missing = UInt32.max

    /// Adds a detection. `keyValue(i)` gives key value `i` of `keyCount` (nil: the event lacks the field).
    mutating func add(
        rule: UInt32, time: Int64, keyCount: Int, keyValue: (Int) -> UnsafeRawBufferPointer?, host: UnsafeRawBufferPointer?,
        evidence: UnsafeRawBufferPointer, form: CorrelationBatch.EvidenceForm, evidenceTime: EvidenceTime, event: Int = 0
    ) {
        let keyStart = bytes.count
        var hash = FNV1a.basis ^ (UInt64(rule) &* 0x9E37_79B9_7F4A_7C15)
        for index in 0..<keyCount {
            if let value = keyValue(index) {
                appendLength(UInt32(value.count))
                bytes.append(contentsOf: value)
                hash = FNV1a.hash(value, seed: FNV1a.hash(CollectionOfOne(UInt8(1)), seed: hash))
            } else {
                appendLength(Self.missing)
                hash = FNV1a.hash(CollectionOfOne(UInt8(0)), seed: hash)
            }
        }
        let keyEnd = bytes.count
        let hostStart = bytes.count
        if let host { bytes.append(contentsOf: host) }
        let evidenceStart = bytes.count
        bytes.append(contentsOf: evidence)
        records.append(
            Record(
                rule: rule, time: time, keyHash: hash, keyStart: UInt32(keyStart), keyCount: UInt32(keyEnd - keyStart),
                hostStart: UInt32(hostStart), hostCount: host == nil ? Self.missing : UInt32(host!.count),
                evidenceStart: UInt32(evidenceStart), evidenceCount: UInt32(evidence.count), evidenceForm: form,
                evidenceTime: evidenceTime, event: UInt32(truncatingIfNeeded: event)))
    }

    private mutating func appendLength(_ length: UInt32) {
        withUnsafeBytes(of: length.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Gives detections of untimed events their settled time (see ``EventTimeResolver``).
    mutating func resolvePendingTimes(to time: Timestamp, precision: UInt8) {
        let pending = CorrelationBatch.pendingTime.nanoseconds
        for i in records.indices {
            if records[i].time == pending { records[i].time = time.nanoseconds }
            if records[i].evidenceTime.event == pending {
                records[i].evidenceTime.event = time.nanoseconds
                records[i].evidenceTime.precision = precision
            }
        }
    }

    /// Longest key value or host an episode keeps to print (the key's hash covers the whole value, so
    /// grouping stays exact): a sender's field cannot make each of the open episodes hold a message.
    static let maxShownValue = 256

    /// `bytes` as text for an alert, cut at ``maxShownValue`` bytes (marked with `…`).
    static func shown(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.count > maxShownValue else { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: bytes.prefix(maxShownValue), as: UTF8.self) + "…"
    }

    /// The key values of `record` as strings (nil: the field was missing), cut at ``maxShownValue``.
    func keyValues(of record: Record) -> [String?] {
        var values: [String?] = []
        var offset = Int(record.keyStart)
        let end = offset + Int(record.keyCount)
        while offset + 4 <= end {
            let length = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }.littleEndian
            offset += 4
            if length == Self.missing {
                values.append(nil)
            } else {
                values.append(Self.shown(bytes[offset..<offset + Int(length)]))
                offset += Int(length)
            }
        }
        return values
    }

    /// The key bytes of `record` (length-prefixed values), which episode ids are made of.
    func key(of record: Record) -> ArraySlice<UInt8> {
        bytes[Int(record.keyStart)..<Int(record.keyStart + record.keyCount)]
    }

    func host(of record: Record) -> String? {
        guard record.hostCount != Self.missing else { return nil }
        return Self.shown(bytes[Int(record.hostStart)..<Int(record.hostStart + record.hostCount)])
    }

    /// The evidence bytes of `record`.
    func evidence(of record: Record) -> ArraySlice<UInt8> {
        bytes[Int(record.evidenceStart)..<Int(record.evidenceStart + record.evidenceCount)]
    }
}
