import VigilEvent

/// The parts of a compiled ``SigmaRuleSet`` the matcher reads per event, copied into flat buffers
/// behind stable pointers.
///
/// Read through Swift arrays stored in the rule set, every access from the (mutating) matcher
/// retained and released the array: about a seventh of detection's CPU went to reference counting.
/// Plain pointers cost nothing to read. Built once per ``Detector``; read-only afterwards.
final class DetectorTables {
    /// One program's tables (the rules' program, or the logsource router's).
    struct ProgramView {
        var nodes: UnsafeBufferPointer<Program.Node>
        var children: UnsafeBufferPointer<Int32>
        var predicates: UnsafeBufferPointer<Program.Predicate>
        var tests: UnsafeBufferPointer<Program.Test>
        var literals: UnsafeRawBufferPointer
        var glob: UnsafeBufferPointer<Program.GlobToken>
    }

    let program: ProgramView
    let routerProgram: ProgramView
    /// Program root of each rule.
    let roots: UnsafeBufferPointer<Int32>
    /// Router entries naming a decoder, by the decoder's `Symbol` raw value: a run of ``decoderEntries``.
    let decoderLists: UnsafeBufferPointer<(start: Int32, count: Int32)>
    let decoderEntries: UnsafeBufferPointer<Int32>

    private var allocations: [UnsafeMutableRawPointer] = []

    init(ruleSet: SigmaRuleSet) {
        var allocations: [UnsafeMutableRawPointer] = []
        func copy<T>(_ array: [T]) -> UnsafeBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
            _ = buffer.initialize(from: array)
            allocations.append(UnsafeMutableRawPointer(buffer.baseAddress!))
            return UnsafeBufferPointer(start: buffer.baseAddress, count: array.count)
        }
        func view(_ program: Program) -> ProgramView {
            ProgramView(
                nodes: copy(program.nodes), children: copy(program.children), predicates: copy(program.predicates),
                tests: copy(program.tests), literals: UnsafeRawBufferPointer(copy(program.literals)), glob: copy(program.glob))
        }
        program = view(ruleSet.program)
        routerProgram = view(ruleSet.router.program)
        roots = copy(ruleSet.compiled.map(\.root))
        let width = (ruleSet.router.decoderIndex.keys.map { Int($0.rawValue) }.max() ?? -1) + 1
        var lists = [(start: Int32, count: Int32)](repeating: (0, 0), count: width)
        var entries: [Int32] = []
        for (decoder, list) in ruleSet.router.decoderIndex.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            lists[Int(decoder.rawValue)] = (Int32(entries.count), Int32(list.count))
            entries += list
        }
        decoderLists = copy(lists)
        decoderEntries = copy(entries)
        self.allocations = allocations
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }

    /// The router entries that name `decoder` (ascending), empty when none does.
    @inline(__always)
    func entries(forDecoder decoder: Symbol) -> UnsafeBufferPointer<Int32> {
        let raw = Int(decoder.rawValue)
        guard raw < decoderLists.count else { return UnsafeBufferPointer(start: nil, count: 0) }
        let list = decoderLists[raw]
        return UnsafeBufferPointer(rebasing: decoderEntries[Int(list.start)..<Int(list.start &+ list.count)])
    }
}
