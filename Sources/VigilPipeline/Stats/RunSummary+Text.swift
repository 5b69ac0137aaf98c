import VigilEvent

extension RunSummary {
    /// `bytes` in MB (10^6), one decimal.
    static func megabytes(_ bytes: UInt64) -> Double { (Double(bytes) / 100_000).rounded() / 10 }

    /// The summary `vigil run` prints on stderr.
    public func text() -> String {
        text(listingUnmatchedShapes: false)
    }

    /// The summary, with the most frequent shapes of events no message decoder took when
    /// `listingUnmatchedShapes` (what `vigil run --log-level info` prints).
    public func text(listingUnmatchedShapes: Bool) -> String {
        var lines: [String] = []
        let rate = Int(eventsPerSecond.rounded())
        let seconds = (elapsedSeconds * 1000).rounded() / 1000
        var head = "vigil: \(events) events in \(seconds) s (\(rate) events/s, \(workers) workers"
        if peakMemoryBytes > 0 { head += ", peak memory \(peakMemoryBytes >> 20) MiB" }
        lines.append(head + ")")
        let load = loadTime
        lines.append(
            "  loading rules and decoders: \(Self.milliseconds(load.total)) s (decoders \(Self.milliseconds(load.decoders)) s, "
                + "logsource mapping and rules \(Self.milliseconds(load.rules)) s; CPU \(Self.milliseconds(load.cpu)) s), before any input")
        if reloads + failedReloads > 0 {
            lines.append("  reloads (SIGHUP): \(reloads), failed reloads: \(failedReloads)")
        }
        if let archive {
            let ratio = archive.compressedBytes > 0 ? Double(archive.rawBytes) / Double(archive.compressedBytes) : 0
            let waited = Double(archive.waitedNanoseconds / 1_000_000) / 1000
            lines.append(
                "  archive: \(archive.messages) messages, \(Self.megabytes(archive.rawBytes)) MB raw stored in \(Self.megabytes(archive.compressedBytes)) MB "
                    + "(1/\((ratio * 100).rounded() / 100)), \(archive.blocksWritten) blocks, \(archive.segmentsSealed) segments sealed, "
                    + "\(archive.segmentsDeleted) deleted; intake waited \(waited) s for the writer, full-disk waits \(archive.fullDiskWaits)"
            )
        }
        let formats = EventFormat.allCases.map { "\($0.name) \(parse.events(in: $0))" }
        lines.append("  by format: " + formats.joined(separator: ", "))
        let errors = parseErrors
        let errorList = errors.map { "\($0.reason.name) \($0.count)" }.joined(separator: ", ")
        lines.append("  parse errors: \(parse.failuresTotal)" + (errors.isEmpty ? "" : " (\(errorList))"))
        let drops = self.drops
        let dropTotal = drops.reduce(0) { $0 + $1.count }
        let dropList = drops.map { "\($0.reason.name) \($0.count)" }.joined(separator: ", ")
        lines.append("  drops: \(dropTotal)" + (drops.isEmpty ? "" : " (\(dropList))"))
        lines.append("  event time: " + eventTimeText())
        if fieldNamesDropped > 0 {
            lines.append("  fields dropped (field name table full, --max-field-names): \(fieldNamesDropped)")
        }
        if truncated > 0 || emptyLines > 0 {
            let cut = discardedBytes > 0 ? " (\(discardedBytes) bytes cut off)" : ""
            lines.append("  truncated (oversize): \(truncated)\(cut), blank lines skipped: \(emptyLines)")
        }
        for input in inputs {
            var line = "  input \(input.name): \(input.messages) messages, \(input.bytes) bytes"
            if input.connections > 0 { line += ", \(input.connections) connections" }
            if input.garbageDisconnects > 0 { line += ", \(input.garbageDisconnects) disconnected for garbage" }
            if input.droppedBackpressure > 0 { line += ", \(input.droppedBackpressure) dropped (backpressure)" }
            if input.droppedByKernel > 0 { line += ", \(input.droppedByKernel) dropped by the kernel (receive buffer full)" }
            if input.readErrors > 0 { line += ", read error" }
            if input.refusedConnections > 0 { line += ", \(input.refusedConnections) connections refused (--max-connections)" }
            if input.idleDisconnects > 0 { line += ", \(input.idleDisconnects) closed idle (--idle-timeout)" }
            if input.bufferCapDisconnects > 0 { line += ", \(input.bufferCapDisconnects) disconnected for holding too much (buffer caps)" }
            if input.acceptErrors > 0 { line += ", \(input.acceptErrors) failed accepts (descriptors or memory exhausted)" }
            if input.lostAtShutdown > 0 { line += ", \(input.lostAtShutdown) messages lost at shutdown (after --shutdown-grace)" }
            if input.unreadBytesAtShutdown > 0 { line += ", \(input.unreadBytesAtShutdown) bytes left unread at shutdown" }
            lines.append(line)
        }
        lines += analysisText(listingUnmatchedShapes: listingUnmatchedShapes)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `own 1000 (header 990, decoder 10), without own time 5 (inherited 4, pending 1, received 0), future_time 2 (...)`
    private func eventTimeText() -> String {
        let own = EventTimeSource.allCases.filter(\.isOwn)
        let borrowed = EventTimeSource.allCases.filter { !$0.isOwn }
        func list(_ sources: [EventTimeSource]) -> String {
            sources.map { "\($0.name) \(eventTime.events(from: $0))" }.joined(separator: ", ")
        }
        let ownTotal = own.reduce(0) { $0 + eventTime.events(from: $1) }
        let borrowedTotal = borrowed.reduce(0) { $0 + eventTime.events(from: $1) }
        var text = "own \(ownTotal) (\(list(own))), without own time \(borrowedTotal) (\(list(borrowed)))"
        text += ", future_time \(eventTime.futureTime)"
        if eventTime.futureTime > 0 {
            text += " (ahead of the clock \(eventTime.aheadOfClock), unconfirmed jumps \(eventTime.unconfirmedJumps); --max-clock-skew)"
        }
        if eventTime.behindClock > 0 { text += ", behind the clock \(eventTime.behindClock) (--max-clock-lag)" }
        if eventTime.untrackedHostMessages > 0 { text += ", messages of untracked hosts \(eventTime.untrackedHostMessages)" }
        return text
    }

    /// Seconds rounded to milliseconds, as the summary prints them.
    static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1000).rounded() / 1000
    }

    /// A share as a percentage with one decimal (`12.5 %`).
    static func percent(_ share: Double) -> String {
        let tenths = Int((share * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10) %"
    }
}
