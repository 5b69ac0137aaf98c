import Dispatch
import VigilRegex

/// Loading's two costly steps, reading YAML and compiling patterns (PCRE2 and its JIT), run on all cores:
/// both are pure functions of their input, and load time is wall time before any event is read.
enum ParallelLoad {
    /// `transform` of every element, computed concurrently, in order.
    static func map<T, R>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] where T: Sendable, R: Sendable {
        guard items.count > 1 else { return items.map(transform) }
        let results = Results<R>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            results.store(transform(items[i]), at: i)
        }
        return results.values()
    }

    /// The files' YAML read into decoder specs.
    static func read(_ sources: [DecoderSet.Source]) -> [DecoderFile] {
        map(sources) { DecoderFileReader.read(file: $0.file, text: $0.text) }
    }

    /// Every distinct pattern of `files` compiled (byte mode, JIT), by pattern text.
    static func compilePatterns(of files: [DecoderFile]) -> [String: Result<Regex, RegexCompileError>] {
        var texts: [String] = []
        var seen: Set<String> = []
        for spec in files.flatMap(\.decoders) {
            if case .regex(let source)? = spec.prematch, seen.insert(source.text).inserted { texts.append(source.text) }
            if let source = spec.pattern, seen.insert(source.text).inserted { texts.append(source.text) }
        }
        let compiled = map(texts) { text in Result { () throws(RegexCompileError) -> Regex in try Regex(text, options: []) } }
        return Dictionary(uniqueKeysWithValues: zip(texts, compiled))
    }

    /// One slot per result, each written by one task.
    private final class Results<R>: @unchecked Sendable {
        // @unchecked: concurrentPerform gives every index to exactly one task, and `values()` reads only after
        // it returned. The slots are a plain allocation: an Array's mutating accessors move its buffer out
        // and back, which concurrent writers to different elements must not do.
        private let slots: UnsafeMutableBufferPointer<R?>

        init(count: Int) {
            slots = .allocate(capacity: count)
            slots.initialize(repeating: nil)
        }

        deinit {
            slots.deinitialize()
            slots.deallocate()
        }

        func store(_ value: R, at i: Int) {
            slots[i] = value
        }

        func values() -> [R] { slots.map { $0! } }
    }
}
