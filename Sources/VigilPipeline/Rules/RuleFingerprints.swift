import VigilCorrelate
import VigilDecode
import VigilDetect
import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a loaded rule set is made of, as stable 64-bit hashes (FNV-1a, the same in every process):
/// what a reload compares to say what changed and to decide which correlation state it keeps.
///
/// A rule's hash covers its YAML document (the parsed nodes: comments, layout and the file it sits in
/// do not count). A correlation rule's hash also covers the documents of the detection rules it reads,
/// the correlations it reads (theirs, recursively) and the logsource mapping (which compiles the
/// detection rules it reads), so it changes whenever what feeds its state could change.
public struct RuleFingerprints: Sendable, Equatable {
    /// A rule's identity: its Sigma `id`, else its `name`, else `file:line`, and its definition's hash.
    public struct Rule: Sendable, Equatable {
        public var identity: String
        /// What the log shows: the Sigma `name`, else the identity.
        public var label: String
        public var title: String
        public var hash: UInt64
    }

    /// Detection rules in load order.
    public var detection: [Rule] = []
    /// Correlation rules in their set's order (dependency order).
    public var correlation: [Rule] = []
    /// The decoder files' contents (names and bytes, in load order), and how many decoders loaded.
    public var decoders: UInt64 = 0
    public var decoderCount = 0
    /// The logsource mapping files' contents.
    public var mapping: UInt64 = 0

    public init() {}

    /// The hash of the whole correlation rule set: equal for two loads exactly when every correlation
    /// rule, in the same order, has the same definition and reads the same detection rules (see the
    /// type's description). A reload keeps the correlation engine, and its state, when it is equal.
    public var correlationSet: UInt64 {
        var hash = StableHash()
        for rule in correlation {
            hash.add(rule.identity)
            hash.add(rule.hash)
        }
        return hash.value
    }

    static func make(
        documents: [SigmaDocument], detection: SigmaRuleSet, correlation: CorrelationRuleSet, decoderFiles: [String],
        decoderCount: Int, mappingFiles: [String]
    ) -> RuleFingerprints {
        var fingerprints = RuleFingerprints()
        var documentHashes: [String: UInt64] = [:]
        for document in documents { documentHashes["\(document.file):\(document.line)"] = hash(document.node) }
        fingerprints.decoders = hashFiles(decoderFiles)
        fingerprints.decoderCount = decoderCount
        fingerprints.mapping = hashFiles(mappingFiles)
        var detectionHashes: [UInt64] = []
        for rule in detection.rules {
            let hash = documentHashes["\(rule.file):\(rule.line)"] ?? 0
            detectionHashes.append(hash)
            fingerprints.detection.append(
                Rule(identity: rule.alertIdentifier, label: rule.name ?? rule.alertIdentifier, title: rule.title, hash: hash))
        }
        for rule in correlation.rules {
            var hash = StableHash()
            hash.add(documentHashes["\(rule.file):\(rule.line)"] ?? 0)
            hash.add(fingerprints.mapping)
            for source in rule.sources {
                switch source.target {
                case .detection(let id): hash.add(detectionHashes[Int(id.rawValue)])
                case .correlation(let index): hash.add(fingerprints.correlation[index].hash)
                }
            }
            let identity = rule.id ?? rule.name ?? "\(rule.file):\(rule.line)"
            fingerprints.correlation.append(Rule(identity: identity, label: rule.name ?? identity, title: rule.title, hash: hash.value))
        }
        return fingerprints
    }

    /// A YAML node's hash: its scalars (text and quoting) and structure, not its marks.
    static func hash(_ node: Node) -> UInt64 {
        var hash = StableHash()
        add(node, to: &hash)
        return hash.value
    }

    private static func add(_ node: Node, to hash: inout StableHash) {
        switch node {
        case .scalar(let scalar):
            hash.add("s")
            hash.add(scalar.string)
            hash.add(UInt64(scalar.style.rawValue))
        case .mapping(let mapping):
            hash.add("m")
            hash.add(UInt64(mapping.count))
            for (key, value) in mapping {
                add(key, to: &hash)
                add(value, to: &hash)
            }
        case .sequence(let sequence):
            hash.add("q")
            hash.add(UInt64(sequence.count))
            for element in sequence { add(element, to: &hash) }
        case .alias:
            hash.add("a")
            hash.add(String(describing: node))
        }
    }

    /// The names and bytes of `files` (a file that cannot be read counts by its name alone).
    static func hashFiles(_ files: [String]) -> UInt64 {
        var hash = StableHash()
        for file in files {
            hash.add(file)
            let fd = open(file, O_RDONLY)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                hash.add(bytes: buffer[0..<count])
            }
        }
        return hash.value
    }
}

/// 64-bit FNV-1a.
struct StableHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add<Bytes: Sequence<UInt8>>(bytes: Bytes) {
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01b3
        }
    }

    /// A string, ended so that ("ab", "c") and ("a", "bc") differ.
    mutating func add(_ string: String) {
        add(bytes: string.utf8)
        add(bytes: CollectionOfOne(UInt8(0xFF)))
    }

    mutating func add(_ number: UInt64) {
        withUnsafeBytes(of: number.littleEndian) { add(bytes: $0) }
    }
}
