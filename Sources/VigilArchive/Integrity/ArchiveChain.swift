import Crypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One line of the chain file `DIR/chain` (docs/archive.md):
/// `NUMBER KIND SEGMENT SIZE SHA256 PREVIOUS HASH [HMAC]`, where `HASH` is the SHA-256 of the text of
/// the fields before it (joined by single spaces) and `HMAC` is HMAC-SHA256(key, the 32 bytes of HASH).
public struct ArchiveChainRecord: Sendable, Hashable {
    public enum Kind: String, Sendable {
        /// A segment was sealed: its size and SHA-256 are fixed from now on.
        case seal
        /// A sealed segment was deleted by retention.
        case delete
    }

    public var number: Int
    public var kind: Kind
    public var segment: Int
    public var size: Int
    public var sha256: String
    public var previous: String
    public var hash: String
    public var hmac: String?

    static let zeroHash = String(repeating: "0", count: 64)

    /// The text the record hash is taken of.
    var hashedText: String { "\(number) \(kind.rawValue) \(ArchiveLayout.segmentName(segment)) \(size) \(sha256) \(previous)" }

    var line: String { "\(hashedText) \(hash)" + (hmac.map { " " + $0 } ?? "") + "\n" }

    /// A new record after `previous` (nil: the first), with its hash and, given a key, its HMAC.
    init(number: Int, kind: Kind, segment: Int, size: Int, sha256: String, previous: String, key: [UInt8]?) {
        self.number = number
        self.kind = kind
        self.segment = segment
        self.size = size
        self.sha256 = sha256
        self.previous = previous
        hash = ""
        hash = Self.computeHash(hashedText)
        hmac = key.map { Self.computeHMAC(hash: hash, key: $0) }
    }

    /// Parses a line; nil when it is not a record.
    init?(line: Substring) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 7 || fields.count == 8, let number = Int(fields[0]), let kind = Kind(rawValue: String(fields[1])),
            fields[2].count == 12, let segment = Int(fields[2]), let size = Int(fields[3]), number >= 1, size >= 0,
            [fields[4], fields[5], fields[6]].allSatisfy(Self.isHex64)
        else { return nil }
        self.number = number
        self.kind = kind
        self.segment = segment
        self.size = size
        sha256 = String(fields[4])
        previous = String(fields[5])
        hash = String(fields[6])
        if fields.count == 8 {
            guard Self.isHex64(fields[7]) else { return nil }
            hmac = String(fields[7])
        } else {
            hmac = nil
        }
    }

    static func isHex64(_ text: Substring) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static func computeHash(_ text: String) -> String { hex(SHA256.hash(data: Array(text.utf8))) }

    static func computeHMAC(hash: String, key: [UInt8]) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: bytes(hex: hash), using: SymmetricKey(data: key)))
    }

    /// The record's hash is that of its fields.
    var hashIsValid: Bool { hash == Self.computeHash(hashedText) }
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var result = [UInt8]()
    for byte in bytes {
        result.append(digits[Int(byte >> 4)])
        result.append(digits[Int(byte & 15)])
    }
    return String(decoding: result, as: UTF8.self)
}

private func bytes(hex text: String) -> [UInt8] {
    var result = [UInt8]()
    var high: UInt8?
    for c in text.utf8 {
        let value = c <= 0x39 ? c - 0x30 : c - 0x61 + 10
        if let h = high {
            result.append(h << 4 | value)
            high = nil
        } else {
            high = value
        }
    }
    return result
}

/// The archive's hash chain: one record per sealed or deleted segment, each linked to the one before.
public enum ArchiveChain {
    /// The hash of the chain's last record: give it to ``ArchiveVerification/run(directory:head:keyFile:)``
    /// later to check that nothing before it was changed. Empty when the chain has no record yet.
    public static func head(directory: String) throws -> String {
        try read(directory: directory).records.last?.hash ?? ""
    }

    /// The chain file parsed: the records, and lines that are not records (with their line numbers).
    /// A missing file is an empty chain.
    public static func records(directory: String) throws -> [ArchiveChainRecord] {
        try read(directory: directory).records
    }

    struct Contents {
        var records: [ArchiveChainRecord] = []
        var badLines: [(line: Int, text: String)] = []
        /// Bytes after the last newline: an append a crash cut short.
        var tornTail = 0
        var size = 0
    }

    static func read(directory: String) throws(ArchiveError) -> Contents {
        let path = ArchiveLayout.chainPath(directory)
        guard FileIO.exists(path) else { return Contents() }
        let bytes = try FileIO.readFile(path)
        var contents = Contents()
        contents.size = bytes.count
        let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        contents.tornTail = bytes.count - lastNewline
        let text = String(decoding: bytes[0..<lastNewline], as: UTF8.self)
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            if let record = ArchiveChainRecord(line: line) {
                contents.records.append(record)
            } else {
                contents.badLines.append((i + 1, String(line.prefix(200))))
            }
        }
        return contents
    }

    /// Appends a record durably (one `write` of the whole line, then `fsync`).
    static func append(_ record: ArchiveChainRecord, directory: String) throws(ArchiveError) {
        let path = ArchiveLayout.chainPath(directory)
        let fd = try FileIO.openFile(path, O_WRONLY | O_CREAT | O_APPEND)
        defer { FileIO.closeFile(fd) }
        let line = Array(record.line.utf8)
        var done = 0
        while done < line.count {
            let n = line.withUnsafeBytes { write(fd, $0.baseAddress! + done, line.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", code: errno)
            }
            done += n
        }
        guard fsync(fd) == 0 else { throw .io(path: path, operation: "fsync", code: errno) }
    }

    /// The key file's bytes.
    static func key(path: String) throws(ArchiveError) -> [UInt8] {
        let bytes = try FileIO.readFile(path)
        guard !bytes.isEmpty else { throw .badKeyFile(path: path, reason: "it is empty") }
        return bytes
    }
}
