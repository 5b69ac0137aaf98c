import Dispatch
import Foundation
import GRDB
import Logging
import Synchronization
import VigilOutput

/// Every alert vigil raised and every analyst's action on them, in SQLite (`<state directory>/alerts.sqlite`,
/// WAL) through GRDB: what the console, `vigil tail` and the API read, and what survives a restart.
///
/// Alerts come in through ``output(minimumTier:options:)``, an ``AlertOutput`` like the others, and are
/// written in batched transactions on that output's thread; each committed batch is published on
/// ``feed`` for live streams. Reads may come from any thread.
public final class AlertStore: Sendable {
    /// The live fan-out of committed alerts and triage changes.
    public let feed: AlertFeed
    /// The live exception list the pipeline consults before any output (kept in step with the store).
    public let exceptionList: AlertExceptionList
    /// The database file.
    public let path: String

    let pool: DatabasePool
    let logger: Logger
    let metrics = StoreMetrics()
    let retention: Duration?
    let maintenance: Mutex<Maintenance>
    /// Wakes the maintenance thread to stop.
    let maintenanceWakeup = DispatchSemaphore(value: 0)
    let maintenanceStopped = DispatchSemaphore(value: 0)

    /// Opens (creating it and its directory when missing) and migrates the store under `directory`.
    ///
    /// - Parameters:
    ///   - retention: When given, alerts whose `detected_at` is older are deleted at open and then
    ///     hourly (``prune(before:)``).
    public init(directory: String, retention: Duration? = nil, logger: Logger) throws(StoreError) {
        let directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        path = directory + "/alerts.sqlite"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .unavailable("cannot create the directory \(directory): \(error.localizedDescription)")
        }
        var configuration = Configuration()
        configuration.label = "vigil.store"
        // Readers (the API, live streams catching up) never wait for the writer in WAL mode; a writer
        // waiting on another writer (an analyst's action during a batch) waits rather than failing.
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 4
        configuration.prepareDatabase { db in
            // Alert ids are hashes, so the unique index on them is written at random pages: a page cache
            // of 64 MiB (per connection, filled only as used) keeps the writer from reading them back, and
            // reads go through a memory map instead of a read(2) per page.
            try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw .unavailable("cannot open \(path): \(error)")
        }
        do {
            try Self.migrator.migrate(pool)
        } catch {
            throw .unavailable("cannot migrate \(path) to the current schema: \(error)")
        }
        var logger = logger
        logger[metadataKey: "store"] = "\(path)"
        self.logger = logger
        self.retention = retention
        maintenance = Mutex(Maintenance())

        let (lastSequence, exceptions): (Int64, [AlertException])
        do {
            (lastSequence, exceptions) = try pool.read { db in
                let last = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM alerts") ?? 0
                return (last, try Self.fetchExceptions(db, sql: "WHERE expired_noted = 0", arguments: []))
            }
        } catch {
            throw .unavailable("cannot read \(path): \(error)")
        }
        feed = AlertFeed(lastSequence: lastSequence)
        exceptionList = AlertExceptionList()
        exceptionList.load(exceptions)

        if let retention {
            let pruned = try prune(before: wallClockNanoseconds() - Self.nanoseconds(retention))
            if pruned > 0 { logger.notice("deleted \(pruned) alerts older than the retention of \(retention)") }
        }
        startMaintenance()
    }

    /// Stops the store's maintenance, records what the exception list counted, ends the live streams
    /// and closes the database. Finish the ``output(minimumTier:options:)`` first.
    public func close() {
        let first = maintenance.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        guard first else { return }
        stopMaintenance()
        maintain(now: wallClockNanoseconds(), pruning: false)
        feed.finish()
        do { try pool.close() } catch { logger.warning("closing \(path): \(error)") }
    }

    /// The output that writes alerts into the store, named `store` (its spool is
    /// `<state directory>/spool/store.spool`; without a state directory in `options`, the store's own
    /// directory). Its queue spools like any output's; when even the spool is full,
    /// ``AlertOutput/accept(_:)`` waits (intake slows, counted as stalled) instead of dropping.
    public func output(minimumTier: Int = 1, options: QueuedOutput.Options) -> any AlertOutput {
        var options = options
        if options.stateDirectory == nil { options.stateDirectory = String(path[..<path.lastIndex(of: "/")!]) }
        options.waitsWhenFull = true
        return QueuedOutput(
            name: "store", minimumTier: minimumTier, transport: StoreTransport(store: self), options: options, logger: logger)
    }

    /// Runs `body` on a reader, turning a database error into a ``StoreError`` naming `what`.
    func read<T>(_ what: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .failed("\(what): \(error)")
        }
    }

    /// Runs `body` in a write transaction, turning a database error into a ``StoreError`` naming `what`.
    func write<T>(_ what: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .failed("\(what): \(error)")
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Why the store cannot do what was asked.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The database cannot be opened, created or migrated (path and reason).
    case unavailable(String)
    /// A query or write failed.
    case failed(String)
    /// A query the store cannot run as asked: a cursor it did not make, an unknown level (a client's
    /// mistake: HTTP 400).
    case invalidQuery(String)

    public var description: String {
        switch self {
        case .unavailable(let message): "alert store unavailable: \(message)"
        case .failed(let message): "alert store: \(message)"
        case .invalidQuery(let message): message
        }
    }
}
