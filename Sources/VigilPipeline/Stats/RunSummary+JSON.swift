import VigilEvent

extension RunSummary {
    /// The summary as one JSON object (what `--stats-json` writes), with a trailing newline.
    public func json() -> String {
        var object = JSONObjectWriter()
        object.integer("events", events)
        object.double("elapsed_seconds", elapsedSeconds)
        object.nested("load_seconds") { inner in
            inner.double("total", loadTime.total)
            inner.double("decoders", loadTime.decoders)
            inner.double("rules", loadTime.rules)
            inner.double("cpu", loadTime.cpu)
        }
        object.integer("reloads", reloads)
        object.integer("failed_reloads", failedReloads)
        if let archive {
            object.nested("archive") { inner in
                inner.integer("messages", archive.messages)
                inner.integer("batches", archive.batches)
                inner.integer("raw_bytes", archive.rawBytes)
                inner.integer("stored_bytes", archive.compressedBytes)
                inner.integer("blocks", archive.blocksWritten)
                inner.integer("segments_sealed", archive.segmentsSealed)
                inner.integer("segments_deleted", archive.segmentsDeleted)
                inner.integer("waited_nanoseconds", archive.waitedNanoseconds)
                inner.integer("full_disk_waits", archive.fullDiskWaits)
            }
        }
        object.double("events_per_second", eventsPerSecond.rounded())
        object.integer("workers", UInt64(workers))
        object.integer("peak_memory_bytes", peakMemoryBytes)
        object.nested("by_format") { inner in
            for format in EventFormat.allCases { inner.integer(format.name, parse.events(in: format)) }
        }
        object.nested("parse_errors") { inner in
            inner.integer("total", parse.failuresTotal)
            inner.nested("by_reason") { reasons in
                for (reason, count) in parseErrors { reasons.integer(reason.name, count) }
            }
        }
        object.integer("field_names_dropped", fieldNamesDropped)
        let drops = self.drops
        object.nested("drops") { inner in
            inner.integer("total", drops.reduce(0) { $0 + $1.count })
            inner.nested("by_reason") { reasons in
                for (reason, count) in drops { reasons.integer(reason.name, count) }
            }
        }
        object.nested("event_time") { inner in
            inner.nested("by_source") { sources in
                for source in EventTimeSource.allCases { sources.integer(source.name, eventTime.events(from: source)) }
            }
            inner.integer("future_time", eventTime.futureTime)
            inner.integer("ahead_of_clock", eventTime.aheadOfClock)
            inner.integer("behind_clock", eventTime.behindClock)
            inner.integer("unconfirmed_jumps", eventTime.unconfirmedJumps)
            inner.integer("untracked_host_messages", eventTime.untrackedHostMessages)
        }
        object.integer("truncated", truncated)
        object.integer("discarded_bytes", discardedBytes)
        object.integer("empty_lines", emptyLines)
        object.array("inputs", inputs) { inner, input in
            inner.string("name", input.name)
            inner.integer("messages", input.messages)
            inner.integer("bytes", input.bytes)
            inner.integer("batches", input.batches)
            inner.integer("empty_lines", input.emptyLines)
            inner.integer("truncated", input.truncated)
            inner.integer("discarded_bytes", input.discardedBytes)
            inner.integer("dropped_backpressure", input.droppedBackpressure)
            inner.integer("dropped_by_kernel", input.droppedByKernel)
            inner.integer("connections", input.connections)
            inner.integer("garbage_disconnects", input.garbageDisconnects)
            inner.integer("read_errors", input.readErrors)
            inner.integer("refused_connections", input.refusedConnections)
            inner.integer("idle_disconnects", input.idleDisconnects)
            inner.integer("buffer_cap_disconnects", input.bufferCapDisconnects)
            inner.integer("accept_errors", input.acceptErrors)
            inner.integer("lost_at_shutdown", input.lostAtShutdown)
            inner.integer("unread_bytes_at_shutdown", input.unreadBytesAtShutdown)
        }
        object.array("stages", stages) { inner, stage in
            inner.string("stage", stage.stage)
            inner.integer("received", stage.received)
            inner.integer("emitted", stage.emitted)
            inner.nested("dropped") { reasons in
                for (reason, count) in stage.dropped.sorted(by: { $0.key < $1.key }) { reasons.integer(reason.name, count) }
            }
        }
        appendAnalysisJSON(to: &object)
        return String(decoding: object.closed() + [0x0A], as: UTF8.self)
    }
}

/// Writes one JSON object member by member (commas and braces handled here).
struct JSONObjectWriter {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    private mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        JSONOutput.appendKey(name, to: &bytes)
    }

    mutating func integer(_ name: String, _ value: UInt64) {
        key(name)
        JSONOutput.appendInteger(value, to: &bytes)
    }

    mutating func boolean(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func stringArray(_ name: String, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, value) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONOutput.appendString(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func double(_ name: String, _ value: Double) {
        key(name)
        JSONOutput.appendDouble(value, to: &bytes)
    }

    mutating func string(_ name: String, _ value: String) {
        key(name)
        JSONOutput.appendString(value, to: &bytes)
    }

    mutating func nested(_ name: String, _ body: (inout JSONObjectWriter) -> Void) {
        key(name)
        var inner = JSONObjectWriter()
        body(&inner)
        bytes.append(contentsOf: inner.closed())
    }

    mutating func array<T>(_ name: String, _ items: [T], _ body: (inout JSONObjectWriter, T) -> Void) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            var inner = JSONObjectWriter()
            body(&inner, item)
            bytes.append(contentsOf: inner.closed())
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// The finished object.
    func closed() -> [UInt8] {
        bytes + [UInt8(ascii: "}")]
    }
}
