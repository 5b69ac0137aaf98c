import VigilEvent

extension EventParser {
    /// Parses BSD syslog (RFC 3164) as senders and files really write it:
    /// `[<PRI>]TIMESTAMP HOST TAG[PID]: MSG`, where TIMESTAMP is `Mmm dd hh:mm:ss` (year inferred from
    /// the receive time, zone from the options) or an RFC 3339 stamp (rsyslog's high-precision format).
    ///
    /// Accepted variations, each seen in real logs: month in any case, one- or two-digit day, a year
    /// after the day, a fraction or a colon after the time, a space after the PRI, several spaces between
    /// fields, no host (the first word ends with `:`), no tag (the word after the host is not followed by
    /// `:` or `[`: it is then part of the message, as go-syslog reads it). A PRI followed by no timestamp
    /// is a message without header (RFC 3164 §4.3.3).
    mutating func parseRFC3164(_ m: MessageBytes, into event: inout Event) -> ParseFailure? {
        var i = 0
        if m[0] == ASCII.lessThan {
            guard m.parsePriority(at: &i, into: &event) else { return ParseFailure(.invalidPriority, at: i) }
            while m.at(i) == ASCII.space { i += 1 }
        }
        // The stamp is read first and placed on the time line once the host is known: a zone may be
        // configured per host (``ParserOptions/hostTimeZones``).
        var stamp = ParsedCivilTime()
        let stampStart = i
        let isBSDStamp: Bool
        if let month = MessageBytes.monthNumber(m, at: i), m.at(i + 3) == ASCII.space {
            stamp.month = month
            i += 3
            guard m.parseBSDStamp(at: &i, into: &stamp) else { return ParseFailure(.invalidTimestamp, at: i) }
            isBSDStamp = true
        } else if m.looksLikeRFC3339Date(at: i) {
            guard let time = m.parseRFC3339(at: &i, rules: .lenient) else { return ParseFailure(.invalidTimestamp, at: i) }
            stamp = time
            isBSDStamp = false
        } else {
            if i < m.count { event.message = m.range(i, m.count) }
            return nil
        }
        let stampEnd = i
        if i < m.count {
            guard m[i] == ASCII.space else { return ParseFailure(.invalidTimestamp, at: i) }
            i = m.skipSpaces(from: i)
        }
        if i < m.count {
            let hostStart = i
            let hostEnd = m.find(ASCII.space, from: i)
            if m[hostEnd - 1] != ASCII.colon {
                event.host = m.range(hostStart, hostEnd)
                i = m.skipSpaces(from: hostEnd)
            }
            if i < m.count { parseTag(m, from: i, into: &event) }
            if let app = event.app, m[Int(app.end) - m.offset - 1] == Self.closeParenthesis { splitProgram(m, app: app, into: &event) }
        }
        // Put the stamp on the time line: an offset it carries wins; otherwise it is local time in the
        // host's zone (year inferred for `Mmm dd hh:mm:ss`). The batch's zone is the common case.
        let seconds: Int64
        let source: EventTimeSource
        if let offset = stamp.utcOffsetSeconds {
            seconds = stamp.localSeconds - Int64(offset)
            source = .message
        } else {
            let index = hasHostZones ? zoneIndex(forHost: event.host, in: m) : batchZone
            if isBSDStamp && stamp.year == 0 {
                let placed = index == batchZone ? years.place(&stamp, zone: &zone) : years.place(&stamp, zone: &zones[index])
                guard let placed else { return ParseFailure(.invalidTimestamp, at: stampEnd) }
                seconds = placed
            } else {
                guard stamp.isValidDate else { return ParseFailure(.invalidTimestamp, at: stampEnd) }
                seconds =
                    index == batchZone
                    ? zone.utcSeconds(fromLocal: stamp.localSeconds) : zones[index].utcSeconds(fromLocal: stamp.localSeconds)
            }
            source = .header
        }
        guard setTime(&event, seconds: seconds, stamp, source: source) else { return ParseFailure(.timeOutOfRange, at: stampStart) }
        return nil
    }

    /// `TAG[PID]: MSG`, `TAG: MSG`, or just MSG when the first word is not a tag.
    @inline(__always)
    private func parseTag(_ m: MessageBytes, from start: Int, into event: inout Event) {
        var i = start
        while i < m.count {
            let b = m[i]
            if b == ASCII.colon || b == ASCII.openBracket || b == ASCII.space { break }
            i += 1
        }
        var messageStart = start
        if i > start && i < m.count {
            if m[i] == ASCII.colon {
                event.app = m.range(start, i)
                messageStart = i + 1
            } else if m[i] == ASCII.openBracket {
                let close = m.find(ASCII.closeBracket, from: i + 1)
                if close < m.count {
                    event.app = m.range(start, i)
                    if close > i + 1 { event.pid = m.range(i + 1, close) }
                    messageStart = close + 1
                    if m.at(messageStart) == ASCII.colon { messageStart += 1 }
                }
            }
            if messageStart > start && m.at(messageStart) == ASCII.space { messageStart += 1 }
        }
        if messageStart < m.count { event.message = m.range(messageStart, m.count) }
    }

    /// A tag that ends in a part in parentheses, `sshd(pam_unix)` or `su(pam_unix)` (Linux-PAM before
    /// 0.99, RHEL 4 and older, wrote its module there) or `run-parts(/etc/cron.daily)`, names the program
    /// before the parenthesis: that is the app, so decoders, logsources and rules that know `sshd` see
    /// these lines, and the whole tag stays in the field `syslog_tag` (``Symbol/syslogTag``: a byte
    /// range, nothing allocated).
    ///
    /// Called only for an app ending in `)`: the common tag costs one compare, and the tag parser stays
    /// small enough to be inlined (with this in it, it was called out of line: 80 instructions a line).
    @inline(never)
    private mutating func splitProgram(_ m: MessageBytes, app: ByteRange, into event: inout Event) {
        let start = Int(app.start) - m.offset, end = Int(app.end) - m.offset
        guard end - start > 2 else { return }
        var open = start + 1
        while open < end - 1 && m[open] != Self.openParenthesis { open += 1 }
        // Something before the parenthesis and in it: `app()` stays a name.
        guard open < end - 2 else { return }
        event.app = m.range(start, open)
        appendField(.syslogTag, app, .string)
    }

    private static let openParenthesis = UInt8(ascii: "(")
    private static let closeParenthesis = UInt8(ascii: ")")

    /// Sets the event's time; false when it lies outside what a ``Timestamp`` holds.
    @inline(__always)
    private func setTime(_ event: inout Event, seconds: Int64, _ time: ParsedCivilTime, source: EventTimeSource) -> Bool {
        guard let stamp = Timestamp(validatingSeconds: seconds, nanoseconds: Int64(time.nanosecond)) else { return false }
        event.time = stamp
        event.timeSource = source
        event.timePrecision = time.precision
        return true
    }
}

extension MessageBytes {
    @inline(__always)
    func skipSpaces(from start: Int) -> Int {
        var i = start
        while i < count && base[i] == ASCII.space { i += 1 }
        return i
    }

    /// The rest of `Mmm dd [yyyy] hh:mm:ss[.frac][:]` after the month: `i` is on the space after it.
    /// Sets day, time and, when written, the year (otherwise year stays 0).
    @inline(__always)
    func parseBSDStamp(at i: inout Int, into time: inout ParsedCivilTime) -> Bool {
        i = skipSpaces(from: i)
        guard i < count, ASCII.isDigit(self[i]) else { return false }
        var day = Int(self[i] &- 0x30)
        i += 1
        if i < count, ASCII.isDigit(self[i]) {
            day = day * 10 + Int(self[i] &- 0x30)
            i += 1
        }
        guard day >= 1, day <= 31, at(i) == ASCII.space else { return false }
        time.day = day
        i = skipSpaces(from: i)
        if at(i + 4) == ASCII.space, let year = fixedDigits(at: i, width: 4) {
            time.year = year
            i = skipSpaces(from: i + 4)
        }
        guard parseClock(at: &i, into: &time) else { return false }
        if at(i) == ASCII.dot {
            i += 1
            guard parseFraction(at: &i, into: &time, maxDigits: 64) else { return false }
        }
        // rsyslog accepts `19:06:53: host ...`; the colon is no part of the host.
        if at(i) == ASCII.colon && (i + 1 == count || self[i + 1] == ASCII.space) { i += 1 }
        return true
    }
}
