// TEMPORARY stub so the pipeline compiles while the format is written on its branch. Removed at merge.
import Logging
import VigilEvent

public struct ArchiveRecovery: Sendable {
    public var segment: String?
    public var tornBlocks: Int = 0
    public var eventsLost: Int? = 0
}

public struct ArchiveCounters: Sendable {
    public var messages: UInt64 = 0
    public var batches: UInt64 = 0
    public var rawBytes: UInt64 = 0
    public var compressedBytes: UInt64 = 0
    public var blocksWritten: UInt64 = 0
    public var segmentsSealed: UInt64 = 0
    public var waitedNanoseconds: UInt64 = 0
}

public final class ArchiveWriter: Sendable {
    public static func open(directory: String, options: ArchiveOptions, logger: Logger? = nil) throws -> ArchiveWriter { ArchiveWriter() }
    public var recovery: ArchiveRecovery { ArchiveRecovery() }
    public func append(_ batch: consuming ArchiveBatch) {}
    public func append(_ record: ArchiveControlRecord) {}
    public func finish() throws {}
    public var counters: ArchiveCounters { ArchiveCounters() }
}

public struct ArchiveBlockInfo: Sendable {
    public var offset = 0, compressedLength = 0, rawLength = 0, messageCount = 0
    public var firstSequence: UInt64 = 0
    public var minEventTime = Timestamp.distantPast, maxEventTime = Timestamp.distantPast
    public var minReceiveTime = Timestamp.distantPast, maxReceiveTime = Timestamp.distantPast
}
public struct ArchiveSegmentInfo: Sendable {
    public var number: Int
    public var path: String
    public var sealed: Bool
    public var blocks: [ArchiveBlockInfo]
}
public struct ArchiveSegmentIndex: Sendable {
    public func mayContain(block: Int, token: some Collection<UInt8>) -> Bool { true }
}
public enum ArchiveTokens {
    public static func forEach(in message: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {}
}
public struct ArchiveReader: Sendable {
    public init(directory: String) throws {}
    public var segments: [ArchiveSegmentInfo] { [] }
    public func index(segment: Int) -> ArchiveSegmentIndex? { nil }
    public func records(segment: Int, block: Int) throws -> [ArchiveRecord] { [] }
    public func forEachRecord(damaged: (any Error) -> Void, _ body: (ArchiveRecord) throws -> Void) rethrows {}
    public func message(at reference: ArchiveReference) throws -> ArchivedMessage? { nil }
}
public enum ArchiveChain {
    public static func head(directory: String) throws -> String { "" }
}
public struct ArchiveVerification: Sendable {
    public static func run(directory: String, head: String?, keyFile: String?) throws -> ArchiveVerification { ArchiveVerification() }
    public var problems: [String] = []
    public var segmentsChecked = 0, blocksChecked = 0
    public var ok: Bool { problems.isEmpty }
}
