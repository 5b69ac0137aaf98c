import Dispatch
import Logging
import VigilArchive
import VigilEvent

extension Runner {
    /// Opens the `--archive` directory before any input is read (a directory that cannot be written
    /// stops the run at once), and says what the last run left torn there (cut at its last whole block).
    static func openArchive(_ options: RunOptions, logger: Logger) throws(RunError) -> (any ArchiveRecordSink)? {
        guard options.mode == .run else { return nil }
        if let sink = options.recordSink {
            guard options.archiveDirectory == nil else {
                throw .archiveFailed("--archive cannot be combined with publishing the run's batches")
            }
            return sink
        }
        guard let directory = options.archiveDirectory else { return nil }
        let writer: ArchiveWriter
        do {
            writer = try ArchiveWriter.open(directory: directory, options: options.archive, logger: logger)
        } catch {
            throw .archiveFailed("\(directory): \(error)")
        }
        let recovery = writer.recovery
        if let segment = recovery.segment, recovery.tornBlocks > 0 {
            let lost = recovery.eventsLost.map { "\($0) messages" } ?? "an unknown number of messages"
            logger.warning(
                "archive \(directory): segment \(segment) ended in a torn block (a crash while writing): cut \(recovery.tornBlocks) block(s) with \(lost); appending after the last whole block"
            )
        }
        return writer
    }

    /// `vigil replay`: expects the archive's first run's sources, then feeds its batches on a thread of
    /// its own, like a reader.
    static func startReplay(
        _ replay: any RecordedBatchFeed, pipeline: Pipeline, roster: SourceRoster, inputsDone: DispatchGroup, logger: Logger
    ) throws(RunError) {
        let expected: [UInt32]
        do {
            expected = try replay.expectedSources()
        } catch {
            throw .archiveFailed("\(replay.name): \(error)")
        }
        for index in expected.indices { roster.expect(SourceID(UInt32(index))) }
        inputsDone.enter()
        DispatchQueue(label: "vigil.replay").async {
            defer { inputsDone.leave() }
            do {
                try RecordedBatchReplayer.run(
                    replay, into: pipeline, roster: roster, submitted: { pipeline.submittedCount }, logger: logger)
            } catch {
                logger.error("replay \(replay.name): \(error)")
            }
        }
    }
}
