import VigilEvent
import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension TierPolicy {
    /// Reads a tier policy file (format: docs/alerts.md, "Tier policy").
    ///
    /// - Throws: ``RuleLoadError`` with every problem as `file:line:column: message`: YAML errors,
    ///   unknown keys, tiers outside 1-3, unknown levels, bad durations and counts, overrides that match
    ///   nothing by construction.
    public static func load(path: String) throws(RuleLoadError) -> TierPolicy {
        guard let text = readText(path) else {
            throw RuleLoadError([
                RuleDiagnostic(file: path, line: 0, column: 0, message: "cannot read the tier policy: \(String(cString: strerror(errno)))")
            ])
        }
        return try parse(text, file: path)
    }

    /// Reads a tier policy from YAML text; `file` names it in problems.
    public static func parse(_ text: String, file: String) throws(RuleLoadError) -> TierPolicy {
        var reader = PolicyReader(file: file)
        let policy = reader.read(text)
        guard reader.problems.isEmpty, let policy else { throw RuleLoadError(reader.problems) }
        return policy
    }

    private static func readText(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
            if count < chunk.count { break }
            // A policy file is a few kilobytes; anything this large is not one.
            if bytes.count > 16 << 20 { return nil }
        }
        if ferror(file) != 0 { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Reads the YAML of a tier policy, collecting every problem with its position.
private struct PolicyReader {
    let file: String
    var problems: [RuleDiagnostic] = []

    mutating func report(_ message: String, at node: Node) {
        problems.append(RuleDiagnostic(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, message: message))
    }

    mutating func read(_ text: String) -> TierPolicy? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .basic, .default, .utf8)
        } catch let error as YamlError {
            problems.append(Self.diagnostic(error, file: file))
            return nil
        } catch {
            problems.append(RuleDiagnostic(file: file, line: 0, column: 0, message: "YAML error: \(error)"))
            return nil
        }
        var policy = TierPolicy()
        guard let root else { return policy }  // an empty file: the defaults
        guard let top = pairs(of: root, allowed: ["levels", "suppression", "escalation", "overrides"], what: "the tier policy") else {
            return nil
        }
        for (key, value) in top {
            switch key {
            case "levels": readLevels(value, into: &policy)
            case "suppression": readSuppression(value, into: &policy)
            case "escalation": readEscalation(value, into: &policy)
            default: readOverrides(value, into: &policy)
            }
        }
        return policy
    }

    static let levelNames = ["informational", "low", "medium", "high", "critical"]

    mutating func readLevels(_ node: Node, into policy: inout TierPolicy) {
        guard let entries = pairs(of: node, allowed: Set(Self.levelNames), what: "levels") else { return }
        for (level, value) in entries {
            if let tier = tier(value) { policy.levels[level] = tier }
        }
    }

    mutating func readSuppression(_ node: Node, into policy: inout TierPolicy) {
        guard let entries = pairs(of: node, allowed: ["key", "gap"], what: "suppression") else { return }
        for (key, value) in entries {
            if key == "key" {
                if let fields = fieldList(value) { policy.suppression.key = fields }
            } else if let gap = duration(value) {
                policy.suppression.gap = gap
            }
        }
    }

    mutating func readEscalation(_ node: Node, into policy: inout TierPolicy) {
        guard let entries = pairs(of: node, allowed: ["count", "duration"], what: "escalation") else { return }
        for (key, value) in entries {
            if key == "count" {
                if isNull(value) {
                    policy.escalation.count = nil
                } else if let text = value.scalar?.string, let count = Int(text), count >= 2 {
                    policy.escalation.count = count
                } else {
                    report("escalation count must be a whole number of at least 2, or null (never)", at: value)
                }
            } else if isNull(value) {
                policy.escalation.duration = nil
            } else if let duration = duration(value) {
                policy.escalation.duration = duration
            }
        }
    }

    mutating func readOverrides(_ node: Node, into policy: inout TierPolicy) {
        guard let sequence = node.sequence else {
            report("overrides must be a list of entries, each with one of id, name or tag", at: node)
            return
        }
        for entry in sequence {
            guard let fields = pairs(of: entry, allowed: ["id", "name", "tag", "tier", "key", "gap"], what: "an override") else {
                continue
            }
            var override = TierPolicy.Override(match: .id(""), line: entry.mark?.line ?? 0, column: entry.mark?.column ?? 0)
            var matches: [TierPolicy.Override.Match] = []
            var setsSomething = false
            for (key, value) in fields {
                switch key {
                case "id", "name", "tag":
                    guard let text = value.scalar?.string, !text.isEmpty, !isNull(value) else {
                        report("\(key) must be a non-empty string", at: value)
                        continue
                    }
                    matches.append(key == "id" ? .id(text) : key == "name" ? .name(text) : .tag(text))
                case "tier":
                    if let tier = tier(value) { override.tier = .some(tier) }
                    setsSomething = true
                case "key":
                    override.key = fieldList(value)
                    setsSomething = true
                default:
                    override.gap = duration(value)
                    setsSomething = true
                }
            }
            guard matches.count == 1 else {
                report(
                    matches.isEmpty
                        ? "an override needs one of id, name or tag to say which rules it applies to"
                        : "an override matches by one of id, name or tag, not several (write one override each)", at: entry)
                continue
            }
            if !setsSomething { report("an override must set tier, key or gap", at: entry) }
            override.match = matches[0]
            policy.overrides.append(override)
        }
    }

    /// `1`, `2`, `3` or `none` (no alert).
    mutating func tier(_ node: Node) -> Int?? {
        guard let text = node.scalar?.string else {
            report("a tier is 1, 2, 3 or none", at: node)
            return nil
        }
        if text == "none" { return .some(nil) }
        guard let tier = Int(text), (1...TierPolicy.maxTier).contains(tier) else {
            report("a tier is 1, 2, 3 or none, not '\(text)'", at: node)
            return nil
        }
        return .some(tier)
    }

    mutating func duration(_ node: Node) -> Timestamp.Duration? {
        guard let text = node.scalar?.string else {
            report("a duration must be a scalar such as 10m, 30s, 1h", at: node)
            return nil
        }
        guard case .success(let duration) = Timestamp.Duration.parse(text, grammar: .commandLine), duration > .zero else {
            report("'\(text)' is no positive duration (a number and a unit: 30s, 10m, 1h, 1d)", at: node)
            return nil
        }
        return duration
    }

    mutating func fieldList(_ node: Node) -> [String]? {
        let items = node.sequence.map(Array.init) ?? [node]
        var fields: [String] = []
        for item in items {
            guard let text = item.scalar?.string, !text.isEmpty, !isNull(item) else {
                report("a key is a field name or a list of field names", at: item)
                return nil
            }
            fields.append(text)
        }
        guard !fields.isEmpty, fields.count <= 8 else {
            report("a key has 1 to 8 fields", at: node)
            return nil
        }
        return fields
    }

    func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    mutating func pairs(of node: Node, allowed: Set<String>, what: String) -> [(String, Node)]? {
        guard let mapping = node.mapping else {
            report("\(what) must be a mapping", at: node)
            return nil
        }
        var seen: Set<String> = []
        var result: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                report("keys of \(what) must be strings", at: keyNode)
                continue
            }
            guard allowed.contains(key) else {
                let known = allowed.sorted().joined(separator: ", ")
                report("unknown key '\(key)' in \(what) (known: \(known))", at: keyNode)
                continue
            }
            guard seen.insert(key).inserted else {
                report("'\(key)' is given twice in \(what)", at: keyNode)
                continue
            }
            result.append((key, value))
        }
        return result
    }

    static func diagnostic(_ error: YamlError, file: String) -> RuleDiagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return RuleDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax error: \(what)")
        default:
            return RuleDiagnostic(file: file, line: 0, column: 0, message: "YAML error: \(error)")
        }
    }
}
