import VigilEvent
import VigilRegex

/// Turns the decoders of several files into a ``DecoderStorage``: compiles patterns (PCRE2 JIT, byte mode),
/// resolves parents and field names, and builds the program index.
///
/// A file with any problem is either rejected as a whole (its diagnostics collected, loading fails) or,
/// with `skipBadFiles`, left out; decoders of later files that name a left-out parent are then reported
/// and left out too.
struct DecoderCompiler {
    private(set) var nodes: [DecoderNode] = []
    var constants: [[UInt8]] = []
    private(set) var tests: [DecoderTestCase] = []
    private(set) var files: [String] = []
    /// Problems of files that were rejected.
    private(set) var diagnostics: [RuleDiagnostic] = []
    private var nodeByName: [String: Int32] = [:]
    /// Names defined by rejected files (when not skipping), so their children are not reported again.
    private var rejectedNames: Set<String> = []
    private var selectors: [[ProgramIndex.Selector]?] = []
    var globs: [ProgramIndex.Glob] = []
    let skipBadFiles: Bool
    /// Patterns compiled ahead (``ParallelLoad``), by text; others are compiled when met.
    var compiledPatterns: [String: Result<Regex, RegexCompileError>] = [:]

    init(skipBadFiles: Bool) {
        self.skipBadFiles = skipBadFiles
    }

    mutating func add(_ file: DecoderFile) {
        var log = DiagnosticLog(file: file.file)
        log.diagnostics = file.diagnostics
        var accepted: [DecoderNode] = []
        var acceptedSelectors: [[ProgramIndex.Selector]?] = []
        var localNames: [String: Int32] = [:]
        // Decoders of this file that failed to compile: their children are not reported as orphans.
        var brokenNames: Set<String> = []
        var globsBefore = globs
        for spec in file.decoders {
            let name = spec.name.value
            if nodeByName[name] != nil || localNames[name] != nil || rejectedNames.contains(name) {
                log.report("duplicate decoder name '\(name)'", at: spec.name.position)
                continue
            }
            if let appliesTo = spec.appliesTo, !spec.parents.isEmpty {
                log.report("'applies_to' is only for top-level decoders: children inherit their parent's", at: appliesTo.position)
            }
            guard var node = compile(spec, log: &log) else {
                brokenNames.insert(name)
                continue
            }
            let index = Int32(nodes.count + accepted.count)
            localNames[name] = index
            for parent in spec.parents {
                if parent.value == name {
                    // Its own index is not in `accepted` yet: linking would write past the end.
                    log.report("decoder '\(name)' names itself as its parent", at: parent.position)
                } else if let p = localNames[parent.value] ?? nodeByName[parent.value] {
                    link(child: index, to: p, local: &accepted)
                    node.parents.append(p)
                } else if !rejectedNames.contains(parent.value) && !brokenNames.contains(parent.value) {
                    log.report("parent '\(parent.value)' of decoder '\(name)' is not defined before it", at: parent.position)
                }
            }
            node.isRoot = spec.parents.isEmpty
            acceptedSelectors.append(node.isRoot ? spec.appliesTo.map { compileSelectors($0, log: &log) } : nil)
            accepted.append(node)
        }
        if log.diagnostics.isEmpty {
            nodes += accepted
            selectors += zip(accepted, acceptedSelectors).filter { $0.0.isRoot }.map(\.1)
            for (name, index) in localNames { nodeByName[name] = index }
            tests += file.tests
            files.append(file.file)
            return
        }
        // Undo links from earlier files' nodes to this file's nodes.
        let firstRejected = Int32(nodes.count)
        for i in nodes.indices { nodes[i].children.removeAll { $0 >= firstRejected } }
        swap(&globs, &globsBefore)
        if !skipBadFiles { rejectedNames.formUnion(localNames.keys) }
        diagnostics += log.diagnostics
    }

    /// The storage, or the diagnostics of rejected files when not skipping them.
    func finish(limits: RegexLimits) -> DecoderStorage {
        let roots = nodes.indices.filter { nodes[$0].isRoot }.map { Int32($0) }
        let index = ProgramIndex(roots: roots, selectors: selectors, globs: globs)
        return DecoderStorage(nodes: nodes, programIndex: index, constants: constants, limits: limits, tests: tests, files: files)
    }

    private mutating func link(child: Int32, to parent: Int32, local: inout [DecoderNode]) {
        if Int(parent) < nodes.count {
            nodes[Int(parent)].children.append(child)
        } else {
            local[Int(parent) - nodes.count].children.append(child)
        }
    }
}
