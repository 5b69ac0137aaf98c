import VigilEvent

extension RunSummary {
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
        lines.append("vigil: \(events) events in \(seconds) s (\(rate) events/s, \(workers) workers)")
        let formats = EventFormat.allCases.map { "\($0.name) \(parse.events(in: $0))" }
        lines.append("  by format: " + formats.joined(separator: ", "))
        let errors = parseErrors
        let errorList = errors.map { "\($0.reason.name) \($0.count)" }.joined(separator: ", ")
        lines.append("  parse errors: \(parse.failuresTotal)" + (errors.isEmpty ? "" : " (\(errorList))"))
        let drops = self.drops
        let dropTotal = drops.reduce(0) { $0 + $1.count }
        let dropList = drops.map { "\($0.reason.name) \($0.count)" }.joined(separator: ", ")
        lines.append("  drops: \(dropTotal)" + (drops.isEmpty ? "" : " (\(dropList))"))
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
            lines.append(line)
        }
        lines += analysisText(listingUnmatchedShapes: listingUnmatchedShapes)
        return lines.joined(separator: "\n") + "\n"
    }
}
