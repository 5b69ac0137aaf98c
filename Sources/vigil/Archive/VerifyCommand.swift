import ArgumentParser
import Foundation
import VigilArchive

/// `vigil verify --archive DIR`: proves the archive unaltered, or names what changed.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an archive's hash chain, segments and blocks; report anything changed, missing, reordered, truncated or damaged.",
        discussion: """
            Recomputes the SHA-256 of every sealed segment and checks it against the archive's hash chain, \
            checks that the chain links, and checks every block's checksums (the open segment's too). The \
            chain alone can be rewritten whole: keep the head (vigil archive head) outside the archive and \
            pass it with --head, or sign the chain with --archive-key-file. Prints one line per problem and \
            exits 1 when there is any, 0 when the archive verifies.
            """
    )

    @Option(help: ArgumentHelp("The archive directory.", valueName: "dir"))
    var archive: String

    @Option(help: ArgumentHelp("A chain head kept outside the archive (vigil archive head): it must be in the chain.", valueName: "hash"))
    var head: String?

    @Option(name: .customLong("archive-key-file"), help: ArgumentHelp("The HMAC key the run signed the chain with.", valueName: "file"))
    var keyFile: String?

    func run() throws {
        let result: ArchiveVerification
        do {
            result = try ArchiveVerification.run(directory: archive, head: head, keyFile: keyFile)
        } catch {
            throw VigilFailure(message: "\(archive): \(error)")
        }
        for problem in result.problems { print(problem) }
        let verdict = result.ok ? "verified" : "\(result.problems.count) problem(s)"
        FileHandle.standardError.write(
            Data("vigil verify: \(archive): \(result.segmentsChecked) segments, \(result.blocksChecked) blocks: \(verdict)\n".utf8))
        if !result.ok { throw ExitCode(1) }
    }
}

/// `vigil archive head`: the chain head to keep outside the archive.
struct ArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Archive maintenance.",
        subcommands: [ArchiveHeadCommand.self]
    )
}

struct ArchiveHeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head",
        abstract:
            "Print the archive's current chain head (SHA-256 of its last chain record) to keep outside the archive for vigil verify --head."
    )

    @Option(help: ArgumentHelp("The archive directory.", valueName: "dir"))
    var archive: String

    func run() throws {
        do {
            print(try ArchiveChain.head(directory: archive))
        } catch {
            throw VigilFailure(message: "\(archive): \(error)")
        }
    }
}

/// `vigil show REF...`: the raw messages an alert's evidence references point at.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print archived messages as received, by archive sequence (an alert's archive_refs) or SEGMENT:BLOCK:SEQUENCE.")

    @Option(help: ArgumentHelp("The archive directory.", valueName: "dir"))
    var archive: String

    @Argument(help: ArgumentHelp("Archive sequences (an alert's archive_refs), or SEGMENT:BLOCK:SEQUENCE.", valueName: "ref"))
    var references: [String]

    func validate() throws {
        for reference in references where ArchiveReference(reference) == nil && UInt64(reference) == nil {
            throw ValidationError("'\(reference)' is no archive reference (SEQUENCE or SEGMENT:BLOCK:SEQUENCE)")
        }
    }

    /// The block holding archive sequence `sequence`, from the block headers.
    static func locate(_ sequence: UInt64, in reader: ArchiveReader) -> ArchiveReference? {
        for segment in reader.segments {
            for (number, block) in segment.blocks.enumerated()
            where block.firstSequence <= sequence && sequence < block.firstSequence + UInt64(block.messageCount) {
                return ArchiveReference(segment: segment.number, block: number, sequence: sequence)
            }
        }
        return nil
    }

    func run() throws {
        let reader: ArchiveReader
        do {
            reader = try ArchiveReader(directory: archive)
        } catch {
            throw VigilFailure(message: "\(archive): \(error)")
        }
        var missing = 0
        for text in references {
            do {
                if let reference = ArchiveReference(text) ?? UInt64(text).flatMap({ Self.locate($0, in: reader) }),
                    let message = try reader.message(at: reference)
                {
                    FileHandle.standardOutput.write(Data(message.bytes + [UInt8(ascii: "\n")]))
                } else {
                    FileHandle.standardError.write(Data("vigil show: \(text): not in the archive\n".utf8))
                    missing += 1
                }
            } catch {
                FileHandle.standardError.write(Data("vigil show: \(text): \(error)\n".utf8))
                missing += 1
            }
        }
        if missing > 0 { throw ExitCode(1) }
    }
}
