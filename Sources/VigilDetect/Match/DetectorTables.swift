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
    /// Router entries naming a decoder, by the decoder's `Symbol` raw value.
    let decoderLists: Lists<Int32>
    /// Per route (index as in ``SigmaRuleSet/routes``).
    let routes: UnsafeBufferPointer<RouteView>
    let router: RouterView
    /// The router's ``HashIndex`` of exact app names (FNV-1a of the folded name), slot by slot.
    let appKeys: UnsafeBufferPointer<UInt64>
    let appSlotUsed: UnsafeBufferPointer<Bool>
    let appLists: Lists<Int32>

    /// Owns every buffer above.
    private let frozen: FrozenBuffers

    init(ruleSet: SigmaRuleSet) {
        var storage = Storage()
        func view(_ program: Program) -> ProgramView {
            ProgramView(
                nodes: storage.copy(program.nodes), children: storage.copy(program.children),
                predicates: storage.copy(program.predicates), tests: storage.copy(program.tests),
                literals: UnsafeRawBufferPointer(storage.copy(program.literals)), glob: storage.copy(program.glob))
        }
        program = view(ruleSet.program)
        routerProgram = view(ruleSet.router.program)
        roots = storage.copy(ruleSet.compiled.map(\.root))
        let width = (ruleSet.router.decoderIndex.keys.map { Int($0.rawValue) }.max() ?? -1) + 1
        var lists = [[Int32]](repeating: [], count: width)
        for (decoder, list) in ruleSet.router.decoderIndex { lists[Int(decoder.rawValue)] = list }
        decoderLists = storage.lists(lists)
        routes = storage.copy(ruleSet.routes.map { storage.view(of: $0) })
        router = storage.view(of: ruleSet.router)
        let appTable = ruleSet.router.appIndex.table
        appKeys = storage.copy(appTable.map(\.key))
        appSlotUsed = storage.copy(appTable.map(\.used))
        appLists = storage.lists(appTable.map(\.entries))
        frozen = storage.frozen
    }

    deinit {
        frozen.release()
    }

    /// The router entries whose app condition is exact names, one of which hashes to `hash` (as
    /// ``HashIndex/entries(_:)``).
    @inline(__always)
    func entries(forAppHash hash: UInt64) -> UnsafeBufferPointer<Int32> {
        let mask = appKeys.count &- 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while appSlotUsed[slot] {
            if appKeys[slot] == hash { return appLists[slot] }
            slot = (slot &+ 1) & mask
        }
        return UnsafeBufferPointer(start: nil, count: 0)
    }

    /// The router entries that name `decoder` (ascending), empty when none does.
    @inline(__always)
    func entries(forDecoder decoder: Symbol) -> UnsafeBufferPointer<Int32> {
        let raw = Int(decoder.rawValue)
        return raw < decoderLists.count ? decoderLists[raw] : UnsafeBufferPointer(start: nil, count: 0)
    }
}
