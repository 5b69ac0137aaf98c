import Foundation
import GenAuthLog
import VigilDetect
import VigilEvent

/// Inputs of the detect benchmarks: gen-authlog events and rule sets (the Sigma subset, generated
/// variants), built once per process.
enum DetectFixtures {
    /// ../shared next to the checkout (the benchmarks run from Benchmarks/), or $VIGIL_SHARED.
    static let shared: String = {
        if let env = ProcessInfo.processInfo.environment["VIGIL_SHARED"], !env.isEmpty { return env }
        for candidate in ["../../shared", "../shared", "/work/shared"] where FileManager.default.fileExists(atPath: candidate + "/data") {
            return candidate
        }
        return "../../shared"
    }()

    static let packageRoot: String = FileManager.default.fileExists(atPath: "../rules/logsources.yml") ? ".." : "."

    static let configuration: SigmaConfiguration = {
        SigmaConfiguration.load(path: packageRoot + "/rules/logsources.yml").configuration ?? .builtin
    }()

    /// 100 batches of 1,000 gen-authlog lines as syslog events (header split by hand: the
    /// benchmark measures detection, not parsing; no decoders, so rules see app, host and message).
    static let batches: [EventBatch] = {
        let file = NSTemporaryDirectory() + "vigil-bench-authlog"
        if !FileManager.default.fileExists(atPath: file + ".log") { GenAuthLog.generate(lines: 100_000, prefix: file) }
        let lines = ((try? String(contentsOfFile: file + ".log", encoding: .utf8)) ?? "").split(separator: "\n")
        precondition(lines.count >= 1000, "gen-authlog output missing: \(file).log")
        return stride(from: 0, to: lines.count - 999, by: 1000).map { syslogBatch(lines[$0..<($0 + 1000)]) }
    }()

    static func syslogBatch(_ lines: ArraySlice<Substring>) -> EventBatch {
        var batch = EventBatch(source: SourceID(0), receiveTime: Timestamp(nanoseconds: 0), bytes: [])
        for line in lines {
            let raw = batch.append(string: String(line))
            var event = Event(
                source: batch.source, sequence: UInt64(batch.events.count), receiveTime: batch.receiveTime, raw: raw, format: .rfc3164)
            let bytes = Array(line.utf8)
            // "Mar  1 00:00:01 host app[pid]: message"
            var i = 16
            let hostStart = i
            while i < bytes.count && bytes[i] != 0x20 { i += 1 }
            event.host = ByteRange(start: raw.lowerBound + hostStart, end: raw.lowerBound + i)
            let tagStart = i + 1
            var appEnd = tagStart
            while appEnd < bytes.count && bytes[appEnd] != UInt8(ascii: "[") && bytes[appEnd] != UInt8(ascii: ":") { appEnd += 1 }
            event.app = ByteRange(start: raw.lowerBound + tagStart, end: raw.lowerBound + appEnd)
            var messageStart = appEnd
            while messageStart < bytes.count && bytes[messageStart] != UInt8(ascii: ":") { messageStart += 1 }
            messageStart = min(bytes.count, messageStart + 2)
            event.message = ByteRange(start: raw.lowerBound + messageStart, end: raw.upperBound)
            batch.events.append(event)
        }
        return batch
    }

    static func ruleSet(paths: [String], prefilter: Bool = true) -> SigmaRuleSet {
        let loaded = SigmaFileLoader.load(paths: paths)
        let (ruleSet, diagnostics) = SigmaRuleSet.compile(
            documents: loaded.documents, configuration: configuration, options: SigmaDetectOptions(literalPrefilter: prefilter))
        precondition(diagnostics.isEmpty && loaded.diagnostics.isEmpty, "\(diagnostics + loaded.diagnostics)")
        return ruleSet
    }

    static var subsetPath: String { shared + "/data/sigma-rules-subset/rules" }

    /// `count` rules made from the subset's Linux rules by suffixing every quoted value with a variant
    /// number: the same shapes and literal statistics, but rules that (mostly) never match, so the
    /// cost measured is the cost of rules an event does not trigger.
    static func variantsDirectory(count: Int) -> String {
        let directory = NSTemporaryDirectory() + "vigil-bench-variants-\(count)"
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sources = (FileManager.default.enumerator(atPath: subsetPath + "/linux")?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".yml") }.sorted()
            .compactMap { try? String(contentsOfFile: subsetPath + "/linux/" + $0, encoding: .utf8) }
        for index in 0..<count {
            let text = sources[index % sources.count]
            var out: [String] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                var line = String(line)
                if line.hasPrefix("id: ") {
                    line = "id: \(UUID().uuidString.lowercased())"
                } else if line.hasPrefix("title: ") {
                    line += " (variant \(index))"
                } else if line.trimmingCharacters(in: .whitespaces).hasPrefix("- '") || line.contains(": '"), line.hasSuffix("'") {
                    line.removeLast()
                    line += " v\(index)'"
                }
                out.append(line)
            }
            try? out.joined(separator: "\n").write(toFile: "\(directory)/variant_\(index).yml", atomically: true, encoding: .utf8)
        }
        return directory
    }
}
