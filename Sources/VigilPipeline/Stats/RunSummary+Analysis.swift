extension RunSummary {
    /// A rule as the summary names it: its label, or for a rule known only by a UUID, its title too.
    static func ruleName(_ label: String, title: String?) -> String {
        guard let title, label.count == 36, label.filter({ $0 == "-" }).count == 4 else { return label }
        return "\(title) [\(label)]"
    }

    /// The summary lines about decoders, detection, correlation and alerts.
    func analysisText(listingUnmatchedShapes: Bool = false) -> [String] {
        guard let report = analysis else { return [] }
        var lines: [String] = []
        if !report.skippedFiles.isEmpty {
            lines.append("  skipped (bad) files: " + report.skippedFiles.joined(separator: ", "))
        }
        if report.decoderCount > 0 {
            lines.append(
                "  decoders: \(report.decoderCount) loaded, \(report.decodedEvents) of \(report.decoderEvents) events decoded "
                    + "(\(report.decodedWithFields) with fields, \(report.programDecoderOnly) by a program decoder only), "
                    + "regex limit hits \(report.decoderLimitHits), "
                    + "invalid fields \(report.decoders.reduce(0) { $0 + $1.invalidFields })")
            for line in report.decoders {
                var text = "    decoder \(line.name): \(line.matched) matched"
                if line.limitExceeded > 0 { text += ", \(line.limitExceeded) limit exceeded" }
                if line.invalidFields > 0 { text += ", \(line.invalidFields) invalid fields" }
                lines.append(text)
            }
            if listingUnmatchedShapes && report.unmatchedShapesCounted {
                lines += unmatchedShapeLines(report)
            }
        }
        if let detector = report.detector {
            lines.append(
                "  detection: \(report.ruleCount) rules, \(detector.detections) detections, "
                    + "\(detector.ruleEvaluations) rule evaluations, regex limit hits \(detector.regexLimitHits), "
                    + "\(detector.unplacedEvents) events without logsource")
            lines.append(
                "  prefilter: \(report.alwaysEvaluatedRules) of \(report.ruleCount) rules (\(Self.percent(report.alwaysEvaluatedShare))) "
                    + "have no required literal or network and are evaluated on every event of their logsource")
            for line in report.rules {
                lines.append("    rule \(line.label): \(line.detections)" + (line.alerts ? "" : " (feeds correlation only)"))
            }
        }
        if let stats = report.correlation {
            lines.append(
                "  correlation: \(report.correlationRuleCount) rules, \(stats.inputs) inputs, \(stats.late) late, "
                    + "\(stats.missingGroupKey) without group field, \(stats.evictedGroups) groups evicted, "
                    + "\(stats.incompleteWindows) undecided windows, \(stats.evidenceExpired) evidence expired, "
                    + "\(stats.alerts) alerts")
            if stats.budgetReached > 0 || stats.shortenedValues > 0 {
                lines.append(
                    "  correlation state shed (--max-state-memory): budget reached \(stats.budgetReached) times, "
                        + "\(stats.shedEarlyInputs) inputs applied before the watermark, \(stats.shedLate) refused as older, "
                        + "\(stats.shedGroups) groups evicted; \(stats.shortenedValues) values too long, kept as prefix and digest")
            }
        }
        if let alerts = report.alerts {
            let emitted = alerts.detection + alerts.correlation + alerts.health
            lines.append(
                "  alerts written: \(emitted) (\(alerts.detection) detection, \(alerts.correlation) correlation, \(alerts.health) health); "
                    + "tier 1: \(alerts.byTier[1]), tier 2: \(alerts.byTier[2]), tier 3: \(alerts.byTier[3])"
                    + (alerts.belowMinimumTier > 0 ? "; \(alerts.belowMinimumTier) below --min-tier" : "")
                    + (alerts.excepted > 0 ? "; \(alerts.excepted) held back by analysts' exceptions" : "")
                    + (alerts.dropped > 0 ? "; \(alerts.dropped) not written (output closed, failing or spool full)" : ""))
            for (rule, counts) in alerts.rules.sorted(by: { $0.key < $1.key }) {
                var line = "    \(counts.kind.rawValue) \(Self.ruleName(rule, title: counts.title)): \(counts.alerts) alerts"
                if counts.detections > 0 {
                    line += " from \(counts.detections) detections (\(counts.episodes) episodes, \(counts.suppressed) suppressed)"
                }
                lines.append(line)
            }
            for (name, counts) in alerts.outputs {
                lines.append(
                    "    output \(name): \(counts.accepted) accepted, \(counts.delivered) delivered, \(counts.retried) retried, "
                        + "\(counts.spooled) spooled, \(counts.dropped) dropped")
            }
        }
        return lines
    }

    /// The most frequent shapes of events no message decoder took: where decoders are missing.
    private func unmatchedShapeLines(_ report: AnalysisReport) -> [String] {
        let undecoded = report.decoderEvents - report.decodedWithFields
        let estimate = report.unmatchedShapesExact ? "" : ", counts estimated (at most the + figure too high)"
        var lines = ["  not decoded or by a program decoder only: \(undecoded) events; top shapes (program, first words\(estimate)):"]
        for shape in report.unmatchedShapes {
            let program = shape.program.isEmpty ? "-" : Self.printable(shape.program)
            let over = shape.overcount > 0 ? " (+\(shape.overcount))" : ""
            lines.append("    \(shape.count)\(over) \(program): \(Self.printable(shape.words))")
        }
        return lines
    }

    /// Text a sender wrote, made safe for a terminal: control characters (escape sequences could move
    /// the cursor or retitle the window of whoever reads the summary) become `\u{..}`.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) }) else {
            return text
        }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The analysis members of the JSON summary.
    func appendAnalysisJSON(to object: inout JSONObjectWriter) {
        guard let report = analysis else { return }
        object.stringArray("skipped_files", report.skippedFiles)
        object.nested("decoders") { inner in
            inner.integer("loaded", UInt64(report.decoderCount))
            inner.integer("events", report.decoderEvents)
            inner.integer("decoded", report.decodedEvents)
            inner.integer("decoded_with_fields", report.decodedWithFields)
            inner.integer("program_decoder_only", report.programDecoderOnly)
            inner.integer("limit_exceeded", report.decoderLimitHits)
            inner.array("by_decoder", report.decoders) { entry, line in
                entry.string("name", line.name)
                entry.integer("matched", line.matched)
                entry.integer("limit_exceeded", line.limitExceeded)
                entry.integer("invalid_fields", line.invalidFields)
            }
            if report.unmatchedShapesCounted {
                inner.boolean("unmatched_shapes_exact", report.unmatchedShapesExact)
                inner.array("unmatched_shapes", report.unmatchedShapes) { entry, shape in
                    entry.string("program", shape.program)
                    entry.string("words", shape.words)
                    entry.integer("count", shape.count)
                    entry.integer("overcount", shape.overcount)
                }
            }
        }
        if let detector = report.detector {
            object.nested("detection") { inner in
                inner.integer("rules", UInt64(report.ruleCount))
                inner.integer("detections", UInt64(detector.detections))
                inner.integer("rule_evaluations", UInt64(detector.ruleEvaluations))
                inner.integer("always_evaluated_rules", UInt64(report.alwaysEvaluatedRules))
                inner.double("always_evaluated_share", report.alwaysEvaluatedShare)
                inner.integer("regex_limit_hits", UInt64(detector.regexLimitHits))
                inner.integer("unplaced_events", UInt64(detector.unplacedEvents))
                inner.array("by_rule", report.rules) { entry, line in
                    entry.string("rule", line.rule)
                    entry.string("title", line.title)
                    entry.integer("detections", line.detections)
                    entry.boolean("alerts", line.alerts)
                }
            }
        }
        if let stats = report.correlation {
            object.nested("correlation") { inner in
                inner.integer("rules", UInt64(report.correlationRuleCount))
                inner.integer("inputs", UInt64(stats.inputs))
                inner.integer("late", UInt64(stats.late))
                inner.integer("missing_group_field", UInt64(stats.missingGroupKey))
                inner.integer("qualifying_windows", UInt64(stats.qualifyingWindows))
                inner.integer("evicted_groups", UInt64(stats.evictedGroups))
                inner.integer("expired_groups", UInt64(stats.expiredGroups))
                inner.integer("undecided_windows", UInt64(stats.incompleteWindows))
                inner.integer("evidence_expired", UInt64(stats.evidenceExpired))
                inner.integer("alerts", UInt64(stats.alerts))
                inner.integer("shortened_values", UInt64(stats.shortenedValues))
                inner.integer("peak_state_bytes", UInt64(stats.peakStateBytes))
                inner.nested("shed") { shed in
                    shed.integer("budget_reached", UInt64(stats.budgetReached))
                    shed.integer("inputs_applied_early", UInt64(stats.shedEarlyInputs))
                    shed.integer("inputs_refused", UInt64(stats.shedLate))
                    shed.integer("groups_evicted", UInt64(stats.shedGroups))
                }
            }
        }
        if let alerts = report.alerts {
            object.nested("alerts") { inner in
                inner.integer("detection", alerts.detection)
                inner.integer("correlation", alerts.correlation)
                inner.integer("health", alerts.health)
                inner.nested("by_tier") { tiers in
                    for tier in 1...3 { tiers.integer(String(tier), alerts.byTier[tier]) }
                }
                inner.integer("below_min_tier", alerts.belowMinimumTier)
                inner.integer("excepted", alerts.excepted)
                inner.integer("not_written", alerts.dropped)
                inner.nested("by_rule") { rules in
                    for (rule, counts) in alerts.rules.sorted(by: { $0.key < $1.key }) {
                        rules.nested(rule) { entry in
                            entry.string("kind", counts.kind.rawValue)
                            entry.integer("detections", counts.detections)
                            entry.integer("alerts", counts.alerts)
                            entry.integer("suppressed", counts.suppressed)
                            entry.integer("episodes", counts.episodes)
                        }
                    }
                }
                inner.array("outputs", alerts.outputs) { entry, output in
                    entry.string("name", output.name)
                    entry.integer("accepted", output.counts.accepted)
                    entry.integer("delivered", output.counts.delivered)
                    entry.integer("retried", output.counts.retried)
                    entry.integer("spooled", output.counts.spooled)
                    entry.integer("dropped", output.counts.dropped)
                }
            }
        }
    }
}
