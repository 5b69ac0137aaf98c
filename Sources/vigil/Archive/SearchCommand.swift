import ArgumentParser
import Foundation
import VigilDecode
import VigilEvent
import VigilIngest
import VigilPipeline
import VigilRegex

/// `vigil search --archive DIR`: raw messages (or normalized events) from the forensic archive.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the raw messages of an archive (vigil run --archive) by time, decoded field and regular expression.",
        discussion: """
            Prints matching messages as received, one per line, in event-time order (ties in the order \
            received), or as received with --arrival-order, or as the normalized events vigil parse prints \
            with --json. Block time ranges rule out blocks outside --from/--to, and the per-block Bloom \
            filters blocks without a --where value; only candidate blocks are decompressed and decoded. A \
            damaged block is reported on stderr and skipped (exit 1); the others are searched.
            """
    )

    @Option(help: ArgumentHelp("The archive directory.", valueName: "dir"))
    var archive: String

    @Option(help: ArgumentHelp("Event time from (RFC 3339, or before now: -1h).", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("Event time up to, not included (RFC 3339, or before now: -10m).", valueName: "time"))
    var to: String?

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp("A decoded or parsed field equal to a value (repeat: all must hold).", valueName: "field=value"))
    var conditions: [String] = []

    @Option(help: ArgumentHelp("A PCRE2 pattern the raw message must match (bytes, as grep -P in the C locale).", valueName: "regex"))
    var grep: String?

    @Flag(help: "Print normalized events (JSON lines) instead of raw messages.")
    var json = false

    @Flag(name: .customLong("arrival-order"), help: "Print in the order received instead of by event time.")
    var arrivalOrder = false

    @Option(help: ArgumentHelp("Print at most this many.", valueName: "n"))
    var limit: Int?

    @Flag(
        name: .customLong("no-index"),
        help: "Read every block in the time range: for a --where value a decoder takes out of the middle of a word.")
    var noIndex = false

    @OptionGroup(title: "Decoders") var decoders: DecoderOptions

    func validate() throws {
        for condition in conditions where !condition.contains("=") || condition.hasPrefix("=") {
            throw ValidationError("--where '\(condition)': expected FIELD=VALUE")
        }
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
        _ = try ArchiveTimeOption.parse(from, option: "--from")
        _ = try ArchiveTimeOption.parse(to, option: "--to")
    }

    func run() throws {
        var query = ArchiveQuery()
        query.from = try ArchiveTimeOption.parse(from, option: "--from")
        query.to = try ArchiveTimeOption.parse(to, option: "--to")
        query.conditions = conditions.map { condition in
            let equals = condition.firstIndex(of: "=")!
            return (String(condition[..<equals]), String(condition[condition.index(after: equals)...]))
        }
        if let grep {
            do {
                query.grep = try Regex(grep, options: [])
            } catch {
                throw VigilFailure(message: "--grep: \(error)")
            }
        }
        query.json = json
        query.arrivalOrder = arrivalOrder
        query.limit = limit
        query.usesIndex = !noIndex
        var ruleOptions = RuleLoadOptions()
        decoders.apply(to: &ruleOptions)
        // Only the decoders: --where and --json need the fields vigil parse shows; the logsource mapping,
        // tiers and rules a run loads are not needed.
        var decoderSet: DecoderSet? = nil
        if json || !conditions.isEmpty {
            do {
                let loaded = try DecoderSet.load(
                    paths: ruleOptions.effectiveDecoderPaths,
                    options: DecoderSet.LoadOptions(limits: ruleOptions.regexLimits, skipBadFiles: ruleOptions.skipBadRules))
                decoderSet = loaded.decoders.count > 0 ? loaded.decoders : nil
            } catch {
                for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
                throw ExitCode(2)
            }
        }
        var search: ArchiveSearch
        do {
            search = try ArchiveSearch(
                directory: archive, query: query, parser: ParserOptions(),
                decoders: decoderSet)
        } catch {
            throw VigilFailure(message: "\(archive): \(error)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        let report = search.run { line in
            out.append(contentsOf: line)
            out.append(UInt8(ascii: "\n"))
            if out.count >= 1 << 20 {
                FileHandle.standardOutput.write(Data(out))
                out.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(Data(out))
        let summary = "vigil search: \(report.messagesMatched) matched; \(report.blocksRead) of \(report.blocks) blocks read\n"
        FileHandle.standardError.write(Data(summary.utf8))
        if !report.damaged.isEmpty {
            for line in report.damaged { FileHandle.standardError.write(Data("vigil search: \(line): skipped\n".utf8)) }
            throw ExitCode(1)
        }
    }
}
