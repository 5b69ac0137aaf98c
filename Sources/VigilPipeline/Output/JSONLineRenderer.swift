import VigilDetect
import VigilEvent

/// Worker stage of `vigil parse`: renders every event as one normalized JSON line into the batch
/// result's output, so rendering runs in parallel and the writer only copies bytes in order.
///
/// Given a rule set, each line also says where its mapping places the event, as detection would
/// (`"logsource"`, the object's last member; see ``LogsourceMembers``).
public struct JSONLineRenderer: BatchStage {
    public let name = "render"
    private var renderer = EventJSONRenderer()
    /// Places events (nil: no `"logsource"` member). Rules are not needed, only the mapping.
    private var placer: Detector?
    private let members: LogsourceMembers?
    /// Route of each event of the current batch (reused).
    private var routes: [Int32] = []

    public init() {
        members = nil
    }

    /// Lines with the logsource `ruleSet`'s mapping places each event in; `members` rendered from the
    /// same rule set (once, shared by the workers). One per worker: a detector is not `Sendable`.
    public init(placingWith ruleSet: SigmaRuleSet, members: LogsourceMembers) {
        self.placer = Detector(ruleSet: ruleSet)
        self.members = members
    }

    public mutating func process(_ batch: inout EventBatch, result: inout BatchResult, counters: inout StageCounters) {
        result.output.reserveCapacity(batch.bytes.count * 3 + batch.events.count * 200)
        guard placer != nil else {
            for event in batch.events {
                if let slot = renderer.append(event, of: batch, to: &result.output) {
                    result.pendingTimeSlots.append(PendingTimeSlot(offset: slot, fixedDigits: nil))
                }
                result.output.append(0x0A)
            }
            counters.emitted += UInt64(batch.events.count)
            return
        }
        placer!.placeEvents(of: batch, into: &routes)
        for index in batch.events.indices {
            if let slot = renderer.append(batch.events[index], of: batch, to: &result.output) {
                result.pendingTimeSlots.append(PendingTimeSlot(offset: slot, fixedDigits: nil))
            }
            // The event object's closing brace becomes `,"logsource":...}`.
            result.output.removeLast()
            members!.appendMember(of: Int(routes[index]), to: &result.output)
            result.output.append(0x0A)
        }
        counters.emitted += UInt64(batch.events.count)
    }
}

/// The `,"logsource":...}` tail of an event line for each route of a rule set, escaped once and shared
/// by every worker: `{"product","category","service"}` (null for a key the mapping does not state),
/// with the entry's further logsources under `"also"` when it names several (sshd events are
/// `linux/sshd` and `linux/auth`), or `null` when the event is placed nowhere.
public struct LogsourceMembers: Sendable {
    private let bytes: [UInt8]
    /// Route `r`'s tail is `bytes[starts[r] ..< starts[r + 1]]`.
    private let starts: [Int]

    public init(ruleSet: SigmaRuleSet) {
        var bytes: [UInt8] = []
        var starts = [0]
        for logsources in ruleSet.routeLogsources {
            JSONOutput.appendRaw(#","logsource":"#, to: &bytes)
            Self.append(logsources, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
            starts.append(bytes.count)
        }
        self.bytes = bytes
        self.starts = starts
    }

    /// The member and the closing brace, for an event of `route`.
    func appendMember(of route: Int, to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { all in
            out.append(contentsOf: UnsafeBufferPointer(rebasing: all[starts[route]..<starts[route + 1]]))
        }
    }

    static func append(_ logsources: [SigmaLogsource], to out: inout [UInt8]) {
        guard let first = logsources.first else { return JSONOutput.appendRaw("null", to: &out) }
        appendKeys(first, to: &out)
        if logsources.count > 1 {
            JSONOutput.appendRaw(#","also":["#, to: &out)
            for (i, other) in logsources.dropFirst().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendKeys(other, to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `{"product":...,"category":...,"service":...` without the closing brace.
    private static func appendKeys(_ logsource: SigmaLogsource, to out: inout [UInt8]) {
        for (i, (key, value)) in [("product", logsource.product), ("category", logsource.category), ("service", logsource.service)]
            .enumerated()
        {
            out.append(UInt8(ascii: i == 0 ? "{" : ","))
            JSONOutput.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            if let value { JSONOutput.appendString(value, to: &out) } else { JSONOutput.appendRaw("null", to: &out) }
        }
    }
}
