import VigilAlert

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file an output keeps the alerts its memory queue cannot hold, and those still undelivered when
/// it finishes: `<state directory>/spool/<sanitized output name>.spool`.
///
/// Format (all integers little-endian):
///
/// ```
/// header  16 bytes   "VIGSPL01", then UInt64: the offset of the first undelivered record
/// record  4 bytes    UInt32: the length N of the alert's JSON
///         1 byte     the alert's tier
///         N bytes    the alert's JSON object (no newline)
/// ```
///
/// Records are only appended. Delivering moves the header's offset forward (one `pwrite` of 8 bytes),
/// so a crash re-delivers at most the batch that was in flight; once everything is delivered the file
/// is cut back to its header. A record cut short by a crash is cut off when the file is opened again.
///
/// The struct holds plain values (a descriptor and offsets): the output keeps it in its locked state
/// and its thread reads records with `pread` outside the lock, which is safe because bytes before
/// ``end`` are never rewritten in place.
struct SpoolFile {
    static let headerSize = 16
    static let magic: [UInt8] = Array("VIGSPL01".utf8)
    /// The bytes of a record besides the JSON: length and tier.
    static let recordOverhead = 5
    /// A record claiming more is damage, not an alert.
    static let maximumRecord = 64 << 20

    let path: String
    var fd: Int32
    /// The first record not delivered (what the header says).
    var start: Int
    /// Records before this offset have been taken by the output's thread (delivered or in flight).
    var readEnd: Int
    /// The end of the file, where the next record goes.
    var end: Int
    /// Records from ``readEnd`` to ``end``.
    var unreadAlerts: Int
    /// Records from ``start`` to ``readEnd`` (taken, not yet delivered).
    var takenAlerts = 0

    var unreadBytes: Int { end - readEnd }

    /// What opening found, for the log.
    struct Opened {
        var spool: SpoolFile
        /// Alerts left by an earlier run.
        var alerts: Int
        /// Something was wrong and repaired (a torn last record, a damaged file set aside).
        var notes: [String]
    }

    /// The on-disk size of alert `index` of `lines` as a record.
    static func recordSize(_ lines: AlertLines, _ index: Int) -> Int {
        lines.range(of: index).count - 1 + recordOverhead
    }

    /// Appends alert `index` of `lines` as a record to `buffer`.
    static func appendRecord(_ lines: AlertLines, _ index: Int, to buffer: inout [UInt8]) {
        let range = lines.range(of: index)
        let length = UInt32(range.count - 1)
        withUnsafeBytes(of: length.littleEndian) { buffer.append(contentsOf: $0) }
        buffer.append(UInt8(clamping: lines.tier(at: index)))
        buffer.append(contentsOf: lines.bytes[range.lowerBound..<(range.upperBound - 1)])
    }

    static func header(start: Int) -> [UInt8] {
        var header = magic
        withUnsafeBytes(of: UInt64(start).littleEndian) { header.append(contentsOf: $0) }
        return header
    }

    /// Opens (creating it when missing) the spool at `path`, checking every record.
    ///
    /// A file that is not a spool (wrong magic, an offset past its end, a record longer than any
    /// alert) is renamed to `PATH.damaged` and a new one started: its alerts cannot be read back in
    /// order, and keeping it would block every later alert.
    static func openOrCreate(path: String) -> Result<Opened, SpoolError> {
        var notes: [String] = []
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return .failure(SpoolError(path: path, operation: "open", code: errno)) }
        guard let size = Posix.fileSize(fd) else {
            let code = errno
            close(fd)
            return .failure(SpoolError(path: path, operation: "stat", code: code))
        }
        if size == 0 {
            return fresh(path: path, fd: fd, notes: notes)
        }
        guard size >= headerSize, let header = Posix.preadAll(fd, count: headerSize, at: 0), header.count == headerSize,
            Array(header[0..<8]) == magic
        else {
            close(fd)
            return setAside(path: path, why: "it is not a vigil spool file (bad header)")
        }
        let start = header[8..<16].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard start >= headerSize, start <= size else {
            close(fd)
            return setAside(path: path, why: "its header points past its end")
        }
        // Walk the records from the first undelivered one, reading in large pieces.
        var offset = start, alerts = 0
        var damaged = false
        var piece: [UInt8] = [], pieceStart = 0
        while offset + recordOverhead <= size {
            if offset + recordOverhead > pieceStart + piece.count {
                guard let read = Posix.preadAll(fd, count: min(size - offset, 1 << 20), at: offset) else {
                    let code = errno
                    close(fd)
                    return .failure(SpoolError(path: path, operation: "read", code: code))
                }
                piece = read
                pieceStart = offset
            }
            let at = offset - pieceStart
            let length = Int(piece[at]) | Int(piece[at + 1]) << 8 | Int(piece[at + 2]) << 16 | Int(piece[at + 3]) << 24
            if length > maximumRecord {
                damaged = true
                break
            }
            let recordEnd = offset + recordOverhead + length
            if recordEnd > size { break }  // cut short: dealt with below
            alerts += 1
            offset = recordEnd
        }
        if damaged {
            close(fd)
            return setAside(path: path, why: "a record at offset \(offset) is longer than any alert")
        }
        if offset < size {
            notes.append("cut off \(size - offset) bytes of a record a crash left unfinished")
            guard ftruncate(fd, off_t(offset)) == 0 else {
                let code = errno
                close(fd)
                return .failure(SpoolError(path: path, operation: "truncate", code: code))
            }
        }
        var spool = SpoolFile(path: path, fd: fd, start: start, readEnd: start, end: offset, unreadAlerts: alerts)
        if alerts == 0, spool.end > headerSize {
            _ = spool.cutBackIfDelivered()
        }
        return .success(Opened(spool: spool, alerts: alerts, notes: notes))
    }

    private static func fresh(path: String, fd: Int32, notes: [String]) -> Result<Opened, SpoolError> {
        let header = header(start: headerSize)
        let code = header.withUnsafeBytes { Posix.pwriteAll(fd, $0, at: 0) }
        guard code == 0 else {
            close(fd)
            return .failure(SpoolError(path: path, operation: "write", code: code))
        }
        let spool = SpoolFile(path: path, fd: fd, start: headerSize, readEnd: headerSize, end: headerSize, unreadAlerts: 0)
        return .success(Opened(spool: spool, alerts: 0, notes: notes))
    }

    private static func setAside(path: String, why: String) -> Result<Opened, SpoolError> {
        let aside = path + ".damaged"
        guard rename(path, aside) == 0 else { return .failure(SpoolError(path: path, operation: "rename", code: errno)) }
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return .failure(SpoolError(path: path, operation: "open", code: errno)) }
        return fresh(path: path, fd: fd, notes: ["set the old file aside as \(aside): \(why)"])
    }

    /// Appends the records of alerts `indices` of `lines`. 0 or the `errno` of a failed write (after
    /// which the file is cut back to where it was, so no half record stays).
    mutating func append(_ lines: AlertLines, _ indices: Range<Int>) -> Int32 {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(
            lines.range(of: indices.upperBound - 1).upperBound - lines.range(of: indices.lowerBound).lowerBound + indices.count * 4)
        for index in indices { Self.appendRecord(lines, index, to: &buffer) }
        let code = buffer.withUnsafeBytes { Posix.pwriteAll(fd, $0, at: end) }
        guard code == 0 else {
            _ = ftruncate(fd, off_t(end))
            return code
        }
        end += buffer.count
        unreadAlerts += indices.count
        return 0
    }

    /// Reads the records from `offset` on, at least one and then as many as fit `limit`, stopping at
    /// `end`. Returns the alerts and the bytes they took in the file; nil with `errno` set on a read error.
    static func read(fd: Int32, from offset: Int, end: Int, limit: AlertBatchLimit) -> (AlertLines, Int)? {
        var lines = AlertLines()
        var position = offset
        var piece: [UInt8] = [], pieceStart = offset
        while position + recordOverhead <= end, lines.count < limit.alerts {
            if position + recordOverhead > pieceStart + piece.count {
                let wanted = min(end - position, max(limit.bytes - lines.bytes.count, 64 << 10))
                guard let read = Posix.preadAll(fd, count: wanted, at: position) else { return nil }
                piece = read
                pieceStart = position
            }
            let at = position - pieceStart
            let length = Int(piece[at]) | Int(piece[at + 1]) << 8 | Int(piece[at + 2]) << 16 | Int(piece[at + 3]) << 24
            if !lines.isEmpty && lines.bytes.count + length + 1 > limit.bytes { break }
            let tier = Int(piece[at + 4])
            if at + recordOverhead + length <= piece.count {
                lines.append(tier: tier) { $0.append(contentsOf: piece[(at + recordOverhead)..<(at + recordOverhead + length)]) }
            } else {
                // A record running past this piece: read exactly its body.
                guard let body = Posix.preadAll(fd, count: length, at: position + recordOverhead), body.count == length else {
                    return nil
                }
                lines.append(tier: tier) { $0.append(contentsOf: body) }
                piece = []
                pieceStart = position + recordOverhead + length
            }
            position += recordOverhead + length
        }
        return (lines, position - offset)
    }

    /// Moves the header's offset forward past `bytes` of delivered records (`alerts` of them).
    mutating func delivered(bytes: Int, alerts: Int) {
        start += bytes
        takenAlerts -= alerts
        let header = Self.header(start: start)
        _ = header[8..<16].withUnsafeBytes { Posix.pwriteAll(fd, $0, at: 8) }
    }

    /// Cuts the file back to its header when every record has been delivered, so the file does not
    /// grow with everything that ever passed through it. Returns whether it did.
    mutating func cutBackIfDelivered() -> Bool {
        guard start == end, end > Self.headerSize else { return false }
        guard ftruncate(fd, off_t(Self.headerSize)) == 0 else { return false }
        start = Self.headerSize
        readEnd = Self.headerSize
        end = Self.headerSize
        let header = Self.header(start: start)
        _ = header.withUnsafeBytes { Posix.pwriteAll(fd, $0, at: 0) }
        return true
    }
}

/// A spool file that could not be opened, read or written.
struct SpoolError: Error, CustomStringConvertible {
    var path: String
    var operation: String
    var code: Int32

    var description: String { "spool \(path): \(operation) failed: \(Posix.describe(code))" }
}
