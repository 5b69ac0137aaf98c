import VigilRegex

/// The modifiers of one detection item, applied in order to each of its values.
struct ModifierChain: Sendable {
    /// A value the modifiers cannot apply to, or an invalid chain.
    struct Failure: Error {
        var message: String
    }

    var modifiers: [Modifier]
    var linkAll: Bool { modifiers.contains(.all) }
    var negated: Bool { modifiers.contains(.neq) }

    /// Parses the `|mod1|mod2` part of a detection key.
    init(names: [String]) throws(Failure) {
        var modifiers: [Modifier] = []
        for name in names {
            guard let modifier = Modifier(name: name) else {
                throw Failure(message: "unknown modifier '\(name)'")
            }
            if modifiers.contains(modifier) { throw Failure(message: "modifier '\(name)' given twice") }
            modifiers.append(modifier)
        }
        self.modifiers = modifiers
    }

    /// A value while modifiers are applied to it.
    private enum Working {
        /// A string comparison; `number` is set when the YAML value was a number.
        case text(original: String, pattern: SigmaPattern, cased: Bool, number: Double?)
        case regex(String, Regex.Options)
        case reference(String, ValueTest.ReferenceMode)
        /// A type modifier produced the final test; only list modifiers may follow.
        case done(ValueTest, madeBy: Modifier)
    }

    /// Applies the chain to one YAML value.
    /// - Parameters:
    ///   - isKeyword: the item has no field: values are searched anywhere in the message.
    ///   - placeholders: values for `%name%` under `expand`.
    func apply(to scalar: RuleScalar, isKeyword: Bool, placeholders: [String: [String]]) throws(Failure) -> ValueGroup {
        let valueModifiers = modifiers.filter { !$0.isListModifier }
        guard let text = scalar.text else {
            if let first = valueModifiers.first { throw Failure(message: "null cannot take the modifier '\(first.rawValue)'") }
            if isKeyword { throw Failure(message: "a keyword cannot be null") }
            return ValueGroup(alternatives: [.null])
        }
        var number: Double? = nil
        if case .number(_, let value) = scalar { number = value }
        var values: [Working] = [.text(original: text, pattern: SigmaPattern(parsing: text), cased: false, number: number)]
        for (index, modifier) in valueModifiers.enumerated() {
            let isFirst = index == 0
            var next: [Working] = []
            for value in values {
                next += try apply(modifier, to: value, scalar: scalar, isFirst: isFirst, isKeyword: isKeyword, placeholders: placeholders)
            }
            values = next
        }
        let tests = values.map { value -> ValueTest in
            switch value {
            case .text(_, let pattern, let cased, _):
                return .pattern(isKeyword ? pattern.surroundedByAnyRun() : pattern, cased: cased)
            case .regex(let source, let options): return .regex(source, options)
            case .reference(let name, let mode): return .fieldReference(name, mode)
            case .done(let test, _): return test
            }
        }
        return ValueGroup(alternatives: tests)
    }

    private func apply(
        _ modifier: Modifier, to value: Working, scalar: RuleScalar, isFirst: Bool, isKeyword: Bool,
        placeholders: [String: [String]]
    ) throws(Failure) -> [Working] {
        if case .done(_, let maker) = value {
            throw Failure(message: "modifier '\(modifier.rawValue)' cannot follow '\(maker.rawValue)'")
        }
        func requireFirst() throws(Failure) {
            if !isFirst { throw Failure(message: "modifier '\(modifier.rawValue)' must come first (before any other value modifier)") }
        }
        func requireField() throws(Failure) {
            if isKeyword { throw Failure(message: "modifier '\(modifier.rawValue)' needs a field; keywords have none") }
        }
        switch modifier {
        case .all, .neq:
            return [value]
        case .contains, .startswith, .endswith:
            switch value {
            case .text(let original, let pattern, let cased, let number):
                let changed =
                    modifier == .contains
                    ? pattern.surroundedByAnyRun() : modifier == .startswith ? pattern.suffixedByAnyRun() : pattern.prefixedByAnyRun()
                return [.text(original: original, pattern: changed, cased: cased, number: number)]
            case .reference(let name, .equals):
                let mode: ValueTest.ReferenceMode = modifier == .contains ? .contains : modifier == .startswith ? .prefix : .suffix
                return [.reference(name, mode)]
            case .reference:
                throw Failure(message: "a field reference takes only one of 'contains', 'startswith' and 'endswith'")
            case .regex:
                throw Failure(message: "modifier '\(modifier.rawValue)' cannot follow 're'; write the regular expression unanchored")
            case .done: return []
            }
        case .cased:
            guard case .text(let original, let pattern, _, let number) = value else {
                throw Failure(message: "modifier 'cased' applies to string values only")
            }
            return [.text(original: original, pattern: pattern, cased: true, number: number)]
        case .windash:
            guard case .text(let original, let pattern, let cased, _) = value else {
                throw Failure(message: "modifier 'windash' applies to string values only")
            }
            return [.text(original: original, pattern: ValueEncodings.windash(pattern), cased: cased, number: nil)]
        case .base64, .base64offset, .utf16le, .utf16be, .utf16, .wide:
            return try encode(modifier, value)
        case .re:
            try requireFirst()
            // First in the chain, the value is still the rule's text.
            guard case .text(let original, _, _, _) = value else { return [] }
            return [.regex(original, [.utf])]
        case .i, .m, .s:
            guard case .regex(let source, var options) = value else {
                throw Failure(message: "modifier '\(modifier.rawValue)' applies only after 're'")
            }
            options.insert(modifier == .i ? .caseInsensitive : modifier == .m ? .multiline : .dotAll)
            return [.regex(source, options)]
        case .cidr:
            try requireFirst()
            guard case .text(let original, _, _, _) = value, let network = IPNetwork(parsing: original) else {
                throw Failure(message: "'\(scalar.text ?? "")' is not an IPv4 or IPv6 network (CIDR)")
            }
            return [.done(.cidr(network), madeBy: modifier)]
        case .exists:
            try requireFirst()
            try requireField()
            guard case .boolean(let flag) = scalar else { throw Failure(message: "modifier 'exists' needs the value true or false") }
            return [.done(.exists(flag), madeBy: modifier)]
        case .fieldref:
            try requireFirst()
            try requireField()
            guard case .text(let original, let pattern, _, _) = value, !pattern.hasSpecialParts else {
                throw Failure(message: "a field reference must be a plain field name without wildcards")
            }
            return [.reference(original, .equals)]
        case .expand:
            guard case .text(_, let pattern, let cased, _) = value else {
                throw Failure(message: "modifier 'expand' applies to string values only")
            }
            return try Placeholders.expand(pattern, with: placeholders).map {
                .text(original: $0.description, pattern: $0, cased: cased, number: nil)
            }
        case .lt, .lte, .gt, .gte:
            try requireFirst()
            guard case .number(_, let number) = scalar else {
                throw Failure(message: "modifier '\(modifier.rawValue)' needs a number, not '\(scalar.text ?? "")'")
            }
            return [.done(.compare(modifier.comparison!, number), madeBy: modifier)]
        case .minute, .hour, .day, .week, .month, .year:
            try requireFirst()
            try requireField()
            guard case .number(_, let number) = scalar, number == number.rounded(), abs(number) < 1e9 else {
                throw Failure(message: "modifier '\(modifier.rawValue)' needs a whole number, not '\(scalar.text ?? "")'")
            }
            return [.done(.datePart(modifier.datePart!, Int(number)), madeBy: modifier)]
        }
    }

    /// base64, base64offset and the UTF-16 family: they work on concrete text, so wildcards are
    /// refused by base64 and dash classes are spelled out first.
    private func encode(_ modifier: Modifier, _ value: Working) throws(Failure) -> [Working] {
        guard case .text(_, let pattern, let cased, _) = value else {
            throw Failure(message: "modifier '\(modifier.rawValue)' applies to string values only")
        }
        guard let spelled = ValueEncodings.expandDashes(pattern) else {
            throw Failure(
                message: "windash before '\(modifier.rawValue)' expands to more than \(ValueEncodings.maximumDashExpansion) values")
        }
        var results: [Working] = []
        for concrete in spelled {
            if modifier == .base64 || modifier == .base64offset {
                guard let bytes = concrete.plainBytes else {
                    throw Failure(message: "modifier '\(modifier.rawValue)' cannot encode wildcards; escape '*' and '?' or drop them")
                }
                let encoded = modifier == .base64 ? [ValueEncodings.base64(bytes)] : ValueEncodings.base64Offsets(bytes)
                for e in encoded {
                    let text = String(decoding: e, as: UTF8.self)
                    results.append(.text(original: text, pattern: SigmaPattern(parts: [.literal(e)]), cased: cased, number: nil))
                }
                continue
            }
            let form: ValueEncodings.UTF16Form =
                modifier == .utf16be ? .bigEndian : modifier == .utf16 ? .withByteOrderMark : .littleEndian
            var failed = false
            var encodedPattern = concrete.mapLiterals { bytes in
                guard let encoded = ValueEncodings.utf16(bytes, form: form == .bigEndian ? .bigEndian : .littleEndian) else {
                    failed = true
                    return bytes
                }
                return encoded
            }
            if failed { throw Failure(message: "modifier '\(modifier.rawValue)' needs valid UTF-8 text") }
            if form == .withByteOrderMark {
                encodedPattern = SigmaPattern(parts: [.literal([0xFF, 0xFE])] + encodedPattern.parts)
            }
            results.append(.text(original: encodedPattern.description, pattern: encodedPattern, cased: cased, number: nil))
        }
        return results
    }
}
