import VigilEvent
import VigilRegex

/// All loaded decoders, compiled once and shared read-only by every worker.
///
/// Load with ``load(paths:options:)``; decode with a ``DecoderWorker`` per thread. The format of decoder
/// files and the order in which decoders are tried are described in `docs/decoders.md`.
public struct DecoderSet: Sendable {
    let storage: DecoderStorage

    init(storage: DecoderStorage) {
        self.storage = storage
    }

    /// A set without decoders: decoding leaves every event as it is.
    public static let empty = DecoderSet(storage: DecoderCompiler(skipBadFiles: false).finish(limits: .default))

    /// Number of decoders (top-level and children).
    public var count: Int { storage.nodes.count }

    /// Decoder names in load order; ``DecoderCounters`` are indexed the same way.
    public var names: [String] { storage.names }

    /// The decoder files that were loaded, in load order.
    public var files: [String] { storage.files }

    /// The test cases of every loaded file, in load order.
    public var testCases: [DecoderTestCase] { storage.tests }

    /// The match limits every worker uses.
    public var limits: RegexLimits { storage.limits }

    /// Whether every pattern was JIT-compiled (PCRE2 falls back to its interpreter otherwise).
    public var isJITCompiled: Bool {
        storage.nodes.allSatisfy { node in
            if case .regex(let r) = node.prematch, !r.isJITCompiled { return false }
            return node.pattern?.isJITCompiled ?? true
        }
    }

    /// Whether `name` is a program decoder: top level, capturing nothing from the message (`sshd`,
    /// `pam-legacy`, `systemd-logind`). An event whose deepest match it is matched a program decoder
    /// only (``DecoderCounters/programDecoderOnly``). Nil for an unknown name.
    public func isProgramLevel(_ name: String) -> Bool? {
        storage.nodes.first { $0.name == name }?.isProgramLevel
    }

    /// The chain from a top-level decoder down to `name` (`["sshd", "sshd-failed"]`), or nil for an unknown
    /// name. For a decoder with several parents, the first one its file lists is followed.
    public func lineage(of name: String) -> [String]? {
        guard var index = storage.nodes.firstIndex(where: { $0.name == name }) else { return nil }
        var chain = [storage.nodes[index].name]
        while let parent = storage.nodes[index].parents.first {
            index = Int(parent)
            chain.insert(storage.nodes[index].name, at: 0)
        }
        return chain
    }

    /// The names of the fields a decoder can produce (named groups, after `rename`, then constants), or nil
    /// for an unknown decoder. Fields of the decoders above it in the tree come on top of these.
    public func fieldNames(of name: String) -> [String]? {
        guard let node = storage.nodes.first(where: { $0.name == name }) else { return nil }
        var seen: Set<String> = []
        return (node.captures.map(\.field.name) + node.constants.map(\.field.name)).filter { seen.insert($0).inserted }
    }

    /// Every field name the loaded decoders can produce, sorted.
    public var allFieldNames: [String] {
        Set(storage.nodes.flatMap { node in node.captures.map(\.field.name) + node.constants.map(\.field.name) }).sorted()
    }
}
