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
    /// Per route (index as in ``SigmaRuleSet/routes``).
    let routes: UnsafeBufferPointer<RouteView>
    let router: RouterView

    /// Owns every buffer above.
    private let frozen: FrozenBuffers

    init(ruleSet: SigmaRuleSet) {
        var storage = Storage()
        program = storage.view(of: ruleSet.program)
        routerProgram = storage.view(of: ruleSet.router.program)
        roots = storage.copy(ruleSet.compiled.map(\.root))
        routes = storage.copy(ruleSet.routes.map { storage.view(of: $0) })
        router = storage.view(of: ruleSet.router)
        frozen = storage.frozen
    }

    deinit {
        frozen.release()
    }
}
