import Foundation

/// The `--http-token-file`: one `name:role:token` per line, `#` comments and blank lines ignored.
///
/// Roles: `viewer`, `analyst` (tiers 1-3), `analyst=1,2`, `admin`. Tokens are at least 16 characters.
/// A token is looked up by comparing it with every token in the file in constant time, so the time an
/// answer takes says nothing about how close a guess was, nor which entry it resembled.
public struct TokenFile: Sendable {
    public struct Entry: Sendable, Hashable {
        public var identity: Identity
        var token: [UInt8]
    }

    public let entries: [Entry]

    /// The shortest token accepted.
    public static let minimumTokenLength = 16
    /// The longest line read (a token file is small; a huge line is a mistake).
    static let maximumLineLength = 4096

    /// Reads and parses the file at `path`.
    public init(path: String) throws(ServerError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .tokenFile("\(path): cannot read the token file: \((error as NSError).localizedDescription)")
        }
        try self.init(parsing: String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses the text of a token file; `path` names it in errors (`FILE:LINE: message`).
    public init(parsing text: String, path: String) throws(ServerError) {
        var entries: [Entry] = []
        var names: Set<String> = []
        var tokens: Set<[UInt8]> = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            func fail(_ message: String) -> ServerError { .tokenFile("\(path):\(lineNumber): \(message)") }
            guard rawLine.utf8.count <= Self.maximumLineLength else { throw fail("line longer than \(Self.maximumLineLength) bytes") }
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { throw fail("expected name:role:token") }
            let name = fields[0].trimmingCharacters(in: .whitespaces)
            let roleText = fields[1].trimmingCharacters(in: .whitespaces)
            let token = Array(fields[2].trimmingCharacters(in: .whitespaces).utf8)
            guard !name.isEmpty else { throw fail("empty name") }
            guard name.utf8.count <= 64, name.unicodeScalars.allSatisfy(Self.isNameCharacter) else {
                throw fail("name '\(name.prefix(64))' must be 1 to 64 characters among letters, digits, '.', '_', '-', '@'")
            }
            guard !names.contains(name) else { throw fail("name '\(name)' appears twice") }
            let role: Role
            do throws(RoleError) {
                role = try Self.parseRole(roleText)
            } catch {
                throw fail(error.message)
            }
            guard token.count >= Self.minimumTokenLength else {
                throw fail("token of '\(name)' is \(token.count) characters; at least \(Self.minimumTokenLength) are needed")
            }
            guard !tokens.contains(token) else { throw fail("token of '\(name)' is also another name's token") }
            names.insert(name)
            tokens.insert(token)
            entries.append(Entry(identity: Identity(name: name, role: role), token: token))
        }
        guard !entries.isEmpty else { throw .tokenFile("\(path): no token in the file (lines are name:role:token)") }
        self.entries = entries
    }

    /// The identity whose token is `presented`, comparing against every entry in constant time.
    public func identity(forToken presented: some Collection<UInt8>) -> Identity? {
        let presented = Array(presented)
        var found: Identity?
        for entry in entries where constantTimeEquals(entry.token, presented) {
            found = entry.identity
        }
        return found
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-", "@": true
        default: false
        }
    }

    private struct RoleError: Error { var message: String }

    private static func parseRole(_ text: String) throws(RoleError) -> Role {
        switch text {
        case "viewer": return .viewer
        case "admin": return .admin
        case "analyst": return .analyst(tiers: [1, 2, 3])
        default:
            guard text.hasPrefix("analyst=") else {
                throw RoleError(message: "unknown role '\(text.prefix(64))' (viewer, analyst, analyst=1,2 or admin)")
            }
            var tiers: Set<Int> = []
            for part in text.dropFirst("analyst=".count).split(separator: ",", omittingEmptySubsequences: false) {
                guard let tier = Int(part.trimmingCharacters(in: .whitespaces)), (1...3).contains(tier) else {
                    throw RoleError(message: "analyst tiers must be a list of 1, 2 and 3 (analyst=1,2), not '\(part.prefix(16))'")
                }
                tiers.insert(tier)
            }
            return .analyst(tiers: tiers)
        }
    }
}

/// Whether `a` and `b` are equal, in a time that depends only on their lengths (the longer one), never
/// on where they first differ.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    let length = max(a.count, b.count)
    var difference: UInt = a.count == b.count ? 0 : 1
    var index = 0
    while index < length {
        let x = index < a.count ? a[index] : 0
        let y = index < b.count ? b[index] : 0
        difference |= UInt(x ^ y)
        index += 1
    }
    return difference == 0
}
