import VigilEvent
import VigilRegex

extension Detector {
    /// Evaluates a program node on the current event.
    mutating func evaluate(_ node: Int32) -> Bool {
        let n = program.nodes[Int(node)]
        switch n.operation {
        case .and:
            for k in Int(n.first)..<Int(n.first + n.count) where !evaluate(program.children[k]) { return false }
            return true
        case .or:
            for k in Int(n.first)..<Int(n.first + n.count) where evaluate(program.children[k]) { return true }
            return false
        case .not:
            return !evaluate(n.first)
        case .predicate:
            return evaluate(predicate: program.predicates[Int(n.first)])
        case .alwaysFalse:
            return false
        }
    }

    private mutating func evaluate(predicate p: Program.Predicate) -> Bool {
        let head = p.field == Program.Predicate.keywords ? values.head(ofSlot: keywordSlot) : firstHead(ofField: p.field)
        let end = Int(p.first + p.count)
        var result: Bool
        if p.linkAll {
            result = true
            var i = Int(p.first)
            while i < end && result {
                let group = program.tests[i].group
                var matched = false
                while i < end && program.tests[i].group == group {
                    if !matched && test(i, head) { matched = true }
                    i += 1
                }
                result = matched
            }
        } else {
            result = false
            for i in Int(p.first)..<end where test(i, head) {
                result = true
                break
            }
        }
        // neq negates the whole item, as `not` would: an absent field is "different" too.
        return p.negated ? !result : result
    }

    /// Whether test `index` holds for the values starting at `head`.
    private mutating func test(_ index: Int, _ head: Int32) -> Bool {
        let t = program.tests[index]
        switch t.kind {
        case .exists:
            return (head >= 0) == (t.variant == 1)
        case .null:
            if head < 0 { return true }
            var v = head
            while v >= 0 {
                if values.values[Int(v)].kind == .null { return true }
                v = values.values[Int(v)].next
            }
            return false
        default:
            var v = head
            while v >= 0 {
                if values.values[Int(v)].kind != .null && test(t, value: v) { return true }
                v = values.values[Int(v)].next
            }
            return false
        }
    }

    private mutating func test(_ t: Program.Test, value v: Int32) -> Bool {
        switch t.kind {
        case .equals, .prefix, .suffix, .contains, .glob, .anyValue:
            let text = t.cased ? values.raw(v) : values.folded(v)
            return Detector.stringTest(t, text, literals: program.literals, glob: program.glob)
        case .regex:
            switch scratch.match(ruleSet.program.regexes[Int(t.start)], in: values.raw(v)) {
            case .match: return true
            case .limitExceeded:
                tally.regexLimitHits += 1
                return false
            case .noMatch, .error: return false
            }
        case .cidr:
            return ruleSet.program.networks[Int(t.start)].contains(values.raw(v))
        case .compare:
            guard let number = ValueParsing.number(values.raw(v)) else { return false }
            switch ValueTest.Comparison.allCases[Int(t.variant)] {
            case .lessThan: return number < t.number
            case .lessOrEqual: return number <= t.number
            case .greaterThan: return number > t.number
            case .greaterOrEqual: return number >= t.number
            }
        case .datePart:
            guard let date = ValueParsing.dateParts(values.raw(v)) else { return false }
            let part: Int
            switch ValueTest.DatePart.allCases[Int(t.variant)] {
            case .minute: part = date.minute
            case .hour: part = date.hour
            case .day: part = date.day
            case .week: part = ValueParsing.isoWeek(year: date.year, month: date.month, day: date.day)
            case .month: part = date.month
            case .year: part = date.year
            }
            return Double(part) == t.number
        case .fieldReference:
            return testReference(t, value: v)
        case .exists, .null:
            return false
        }
    }

    /// `fieldref`: compares folded values of the two fields (any pair of their values).
    private mutating func testReference(_ t: Program.Test, value v: Int32) -> Bool {
        let mode = ValueTest.ReferenceMode.allCases[Int(t.variant)]
        var w = firstHead(ofField: t.start)
        while w >= 0 {
            if values.values[Int(w)].kind != .null {
                let other = values.folded(w)
                let text = values.folded(v)
                let matched: Bool
                switch mode {
                case .equals: matched = TextMatching.equals(text, other)
                case .prefix: matched = TextMatching.hasPrefix(text, other)
                case .suffix: matched = TextMatching.hasSuffix(text, other)
                case .contains: matched = TextMatching.contains(text, other)
                }
                if matched { return true }
            }
            w = values.values[Int(w)].next
        }
        return false
    }
}
