import VigilEvent

extension SigmaRuleSet {
    /// Compiles the detection and filter documents (correlation documents are left to the
    /// correlation engine) into a rule set.
    ///
    /// A rule with any problem is left out and each problem reported as a located diagnostic; the
    /// other rules still compile, so callers choose between refusing (`vigil run`, `vigil check`) and
    /// going on (`--skip-bad-rules`). Filters are applied to the rules they name (by id or name): the
    /// rule's condition becomes `(condition) and (filter condition)`.
    public static func compile(
        documents: [SigmaDocument], configuration: SigmaConfiguration = .builtin, options: SigmaDetectOptions = SigmaDetectOptions()
    ) -> (ruleSet: SigmaRuleSet, diagnostics: [RuleDiagnostic]) {
        var diagnostics: [RuleDiagnostic] = []
        var parsed: [ParsedRule] = []
        var filters: [ParsedFilter] = []
        var firstID: [String: SigmaRuleMetadata] = [:]
        var firstName: [String: SigmaRuleMetadata] = [:]
        for document in documents {
            switch document.kind {
            case .detection:
                let (rule, problems) = RuleParser.parseRule(document, placeholders: configuration.placeholders)
                diagnostics += problems
                guard let rule else { continue }
                let m = rule.metadata
                if let id = m.id, let other = firstID[id] {
                    diagnostics.append(
                        document.diagnostic(
                            "duplicate rule id '\(id)' (first used at \(other.file):\(other.line))", at: document.node["id"]))
                    continue
                }
                if let name = m.name, let other = firstName[name] {
                    diagnostics.append(
                        document.diagnostic(
                            "duplicate rule name '\(name)' (first used at \(other.file):\(other.line))", at: document.node["name"]))
                    continue
                }
                if let id = m.id { firstID[id] = m }
                if let name = m.name { firstName[name] = m }
                parsed.append(rule)
            case .filter:
                let (filter, problems) = RuleParser.parseFilter(document, placeholders: configuration.placeholders)
                diagnostics += problems
                if let filter { filters.append(filter) }
            case .correlation:
                continue
            }
        }

        var builder = ProgramBuilder()
        var compiled: [CompiledRule] = []
        for rule in parsed {
            let (root, problems) = builder.compile(rule.detection, file: rule.metadata.file)
            diagnostics += problems
            guard let root else { continue }
            var metadata = rule.metadata
            metadata.ruleID = RuleID(UInt32(compiled.count))
            compiled.append(
                CompiledRule(
                    metadata: metadata, root: root, fields: [], usesKeywords: false, carried: [], carriedNames: [], requirements: nil))
        }
        for filter in filters {
            let (filterRoot, problems) = builder.compile(filter.detection, file: filter.file)
            diagnostics += problems
            guard let filterRoot else { continue }
            for reference in filter.references {
                guard
                    let index = compiled.firstIndex(where: {
                        $0.metadata.id == reference.reference || $0.metadata.name == reference.reference
                    })
                else {
                    diagnostics.append(
                        RuleDiagnostic(
                            file: filter.file, line: reference.line, column: reference.column,
                            message: "filter '\(filter.title)': no loaded rule has the id or name '\(reference.reference)'"))
                    continue
                }
                let target = compiled[index].metadata
                guard filter.logsource.admits(target.logsource) else {
                    diagnostics.append(
                        RuleDiagnostic(
                            file: filter.file, line: reference.line, column: reference.column,
                            message:
                                "filter '\(filter.title)': its logsource (\(filter.logsource)) does not cover rule '\(reference.reference)' (\(target.logsource))"
                        ))
                    continue
                }
                compiled[index].root = builder.program.addJunction(.and, [compiled[index].root, filterRoot])
            }
        }
        let ruleSet = assemble(compiled: compiled, program: builder.program, configuration: configuration, options: options)
        return (ruleSet, diagnostics.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) })
    }

    /// A copy whose detections carry the values of the given fields (Sigma field names, read through
    /// each logsource's field map) for each rule: the group-by and value fields correlation rules
    /// need, extracted once at detection time into ``Detection/values`` (nil when the event lacks one).
    public func carrying(_ fields: [RuleID: [String]]) -> SigmaRuleSet {
        var program = self.program
        var compiled = self.compiled
        for (rule, names) in fields where Int(rule.rawValue) < compiled.count {
            var ids = compiled[Int(rule.rawValue)].carried
            var symbols = compiled[Int(rule.rawValue)].carriedNames
            for name in names {
                let id = program.fieldID(name)
                if !ids.contains(id) {
                    ids.append(id)
                    symbols.append(Symbol(name))
                }
            }
            compiled[Int(rule.rawValue)].carried = ids
            compiled[Int(rule.rawValue)].carriedNames = symbols
        }
        return SigmaRuleSet.assemble(compiled: compiled, program: program, configuration: configuration, options: options)
    }

    /// Analyses rules (fields read, prefilter literals) and groups them into routes.
    static func assemble(
        compiled input: [CompiledRule], program: Program, configuration: SigmaConfiguration, options: SigmaDetectOptions
    ) -> SigmaRuleSet {
        var compiled = input
        for index in compiled.indices {
            let (fields, keywords) = RouteBuilder.fields(of: compiled[index].root, in: program)
            compiled[index].fields = fields
            compiled[index].usesKeywords = keywords
            compiled[index].requirements = options.literalPrefilter ? LiteralRequirements.analyze(compiled[index].root, in: program) : nil
        }
        func rules(admitting logsources: [SigmaLogsource]) -> [Int32] {
            compiled.indices.filter { i in logsources.contains { compiled[i].metadata.logsource.admits($0) } }.map { Int32($0) }
        }
        var routes: [Route] = []
        for entry in configuration.sources {
            let fieldMap = configuration.fieldMaps[configuration.fieldMapName(of: entry)] ?? .flat
            routes.append(
                RouteBuilder.build(
                    name: entry.name, logsources: entry.logsources, fieldMap: fieldMap, ruleIndices: rules(admitting: entry.logsources),
                    rules: compiled, program: program))
        }
        let fallback = options.defaultLogsource ?? SigmaLogsource()
        for (name, mapName) in [
            ("default (json)", configuration.defaultJSONFieldMap), ("default (text)", configuration.defaultTextFieldMap),
        ] {
            routes.append(
                RouteBuilder.build(
                    name: name, logsources: [fallback], fieldMap: configuration.fieldMaps[mapName] ?? .flat,
                    ruleIndices: rules(admitting: [fallback]), rules: compiled, program: program))
        }
        return SigmaRuleSet(
            compiled: compiled, program: program, routes: routes, router: Router(entries: configuration.sources),
            fallbackJSONRoute: routes.count - 2, fallbackTextRoute: routes.count - 1, configuration: configuration, options: options)
    }
}
