import VigilEvent

extension EventParser {
    /// A syslog message whose text is `@cee:` and a JSON object (CEE / Project Lumberjack, as rsyslog,
    /// syslog-ng and Windows forwarders such as Evntslog write it): the object's members become the
    /// event's fields, named as for JSON lines (`msg`, `user`, `Event.EventData.Image`). The syslog
    /// header stays the event's host, app and time, and the message stays the text as received.
    ///
    /// A payload that is not a valid JSON object adds no fields and marks the event with
    /// `invalid_cee_payload` (counted), keeping the syslog event it is.
    mutating func parseCEEPayload(_ m: MessageBytes, messageStart start: Int, into event: inout Event) {
        let marker = 5  // "@cee:"
        guard m.matches("@cee:", at: start) else { return }
        let payload = MessageBytes(base: m.base + start + marker, count: m.count - start - marker, offset: m.offset + start + marker)
        let fieldMark = fields.count
        let derivedMark = derived.count
        let i = payload.skipJSONWhitespace(from: 0)
        do throws(ParseStop) {
            guard payload.at(i) == ASCII.openBrace else { throw ParseStop(.invalidCEEPayload, at: i) }
            try parseTopObject(payload, at: i, trailing: .invalidCEEPayload)
        } catch {
            fields.removeSubrange(fieldMark...)
            derived.removeSubrange(derivedMark...)
            event.parseFailure = ParseFailure(.invalidCEEPayload, at: start + marker + Int(error.failure.offset))
        }
    }
}
