import ArgumentParser
import VigilArchive
import VigilEvent
import VigilPipeline

/// `vigil run --archive DIR`: every message received, kept raw in LZ4 segments (docs/archive.md).
struct ArchiveRunOptions: ParsableArguments {
    @Option(
        name: .customLong("archive"),
        help: ArgumentHelp(
            "Keep every message received, as received, in LZ4-compressed segments in this directory (search, replay, verify: docs/archive.md).",
            valueName: "dir"))
    var directory: String?

    @Option(name: .customLong("segment-size"), help: ArgumentHelp("Seal a segment after this much raw log.", valueName: "size"))
    var segmentSize: String = "256M"

    @Option(name: .customLong("segment-age"), help: ArgumentHelp("Seal the open segment after this long.", valueName: "duration"))
    var segmentAge: String = "1h"

    @Option(
        name: .customLong("flush-interval"),
        help: ArgumentHelp("Write the open block at least this often (what a crash can lose).", valueName: "duration"))
    var flushInterval: String = "1s"

    @Flag(name: .customLong("fsync"), help: "Make each archive flush durable (fsync).")
    var fsync = false

    @Option(name: .customLong("retain"), help: ArgumentHelp("Delete sealed segments older than this (30d).", valueName: "duration"))
    var retain: String?

    @Option(
        name: .customLong("retain-size"),
        help: ArgumentHelp("Delete the oldest sealed segments while the archive is larger (50G).", valueName: "size"))
    var retainSize: String?

    @Option(
        name: .customLong("archive-key-file"),
        help: ArgumentHelp(
            "Sign each record of the archive's hash chain with HMAC-SHA256 under the bytes of this file (keep it outside the archive).",
            valueName: "file"))
    var keyFile: String?

    func validate() throws {
        _ = try makeOptions()
        if directory == nil {
            for (name, value) in [("--retain", retain), ("--retain-size", retainSize), ("--archive-key-file", keyFile)] where value != nil {
                throw ValidationError("\(name) needs --archive")
            }
        }
    }

    func makeOptions() throws(ValidationError) -> ArchiveOptions {
        var options = ArchiveOptions()
        options.segmentSize = try SizeOption.parse(segmentSize, option: "--segment-size", in: (1 << 20)...Int.max)
        options.segmentAge = try DurationOption.parse(segmentAge, option: "--segment-age")
        options.flushInterval = try DurationOption.parse(flushInterval, option: "--flush-interval")
        for (name, duration) in [("--segment-age", options.segmentAge), ("--flush-interval", options.flushInterval)] where duration <= .zero
        {
            throw ValidationError("\(name) must be more than zero")
        }
        options.fsync = fsync
        if let retain {
            let age = try DurationOption.parse(retain, option: "--retain")
            guard age > .zero else { throw ValidationError("--retain must be more than zero") }
            options.retainAge = age
        }
        if let retainSize { options.retainSize = try SizeOption.parse(retainSize, option: "--retain-size", in: (1 << 20)...Int.max) }
        options.keyFile = keyFile
        return options
    }

    func apply(to runOptions: inout RunOptions) throws {
        runOptions.archiveDirectory = directory
        runOptions.archive = try makeOptions()
    }
}
