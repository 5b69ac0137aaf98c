import VigilEvent
import VigilRegex

extension DecoderCompiler {
    /// Compiles one decoder's prematch, pattern and fields, reporting every problem it finds.
    mutating func compile(_ spec: DecoderSpec, log: inout DiagnosticLog) -> DecoderNode? {
        let name = spec.name.value
        let errorsBefore = log.diagnostics.count
        var prematch = DecoderNode.Prematch.none
        switch spec.prematch {
        case .contains(let bytes)?, .prefix(let bytes)?:
            if bytes.isEmpty {
                log.report("prematch of decoder '\(name)' is empty", at: spec.name.position)
            } else if case .prefix = spec.prematch {
                prematch = .prefix(bytes)
            } else {
                prematch = .contains(LiteralSearch(bytes))
            }
        case .regex(let source)?: compileRegex(source, decoder: name, log: &log).map { prematch = .regex($0) }
        case nil: break
        }
        let pattern = spec.pattern.flatMap { compileRegex($0, decoder: name, log: &log) }
        let groups = pattern?.namedGroups ?? []
        func checkGroup(_ group: Located<String>, _ key: String) -> Int? {
            if let index = groups.first(where: { $0.name == group.value })?.index { return index }
            log.report("'\(key)' names '\(group.value)', which is not a named group of the pattern", at: group.position)
            return nil
        }
        for (group, _) in spec.types { _ = checkGroup(group, "types") }
        for (group, _) in spec.rename { _ = checkGroup(group, "rename") }
        var captures: [DecoderNode.Capture] = []
        for (groupName, index) in groups {
            let field = spec.rename.first { $0.group.value == groupName }?.field ?? groupName
            let type = spec.types.first { $0.group.value == groupName }?.type ?? .string
            captures.append(DecoderNode.Capture(group: index, field: Symbol(field), type: type))
        }
        var eventTimeCapture: Int?
        if let eventTime = spec.eventTime, checkGroup(eventTime, "event_time") != nil {
            eventTimeCapture = groups.firstIndex { $0.name == eventTime.value }
            if let i = eventTimeCapture, captures[i].type != .timestamp {
                log.report("'event_time' group '\(eventTime.value)' must have type timestamp", at: eventTime.position)
            }
        }
        var constantFields: [DecoderNode.Constant] = []
        for (field, value) in spec.constants {
            if captures.contains(where: { $0.field.name == field.value }) {
                log.report("constant '\(field.value)' is also a field of the pattern", at: field.position)
            }
            constantFields.append(DecoderNode.Constant(field: Symbol(field.value), constant: constantID(value)))
        }
        guard log.diagnostics.count == errorsBefore else { return nil }
        return DecoderNode(
            name: name, symbol: Symbol(name), file: spec.file, line: spec.name.position.line, prematch: prematch,
            pattern: pattern, captures: captures, constants: constantFields, nullValues: spec.nullValues.map { Array($0.utf8) },
            eventTimeCapture: eventTimeCapture, isRoot: spec.parents.isEmpty)
    }

    /// Compiles in byte mode (no UTF-8 checks: invalid input can never fail a match) with JIT.
    private func compileRegex(_ source: PatternSource, decoder: String, log: inout DiagnosticLog) -> Regex? {
        let result =
            compiledPatterns[source.text] ?? Result { () throws(RegexCompileError) -> Regex in try Regex(source.text, options: []) }
        switch result {
        case .success(let regex): return regex
        case .failure(let error):
            log.report("invalid regex in decoder '\(decoder)': \(error.message)", at: source.position(ofByte: error.offset))
            return nil
        }
    }

    private mutating func constantID(_ value: String) -> Int {
        let bytes = Array(value.utf8)
        if let existing = constants.firstIndex(of: bytes) { return existing }
        constants.append(bytes)
        return constants.count - 1
    }

    mutating func compileSelectors(_ appliesTo: Located<[ProgramSelector]>, log: inout DiagnosticLog) -> [ProgramIndex.Selector] {
        appliesTo.value.map { selector in
            var compiled = ProgramIndex.Selector(exactNames: nil, globs: 0, formats: selector.formats.map(Set.init))
            guard let programs = selector.programs else { return compiled }
            var exact: Set<String> = []
            for program in programs {
                guard program.hasPrefix("*") || program.hasSuffix("*") else {
                    exact.insert(program)
                    continue
                }
                let isPrefix = program.hasSuffix("*")
                let glob = ProgramIndex.Glob(bytes: Array((isPrefix ? program.dropLast() : program.dropFirst()).utf8), isPrefix: isPrefix)
                if let existing = globs.firstIndex(of: glob) {
                    compiled.globs |= 1 << UInt64(existing)
                } else if globs.count < 64 {
                    globs.append(glob)
                    compiled.globs |= 1 << UInt64(globs.count - 1)
                } else {
                    log.report("too many program patterns with '*' (at most 64 in all decoder files)", at: appliesTo.position)
                }
            }
            compiled.exactNames = exact
            return compiled
        }
    }
}
