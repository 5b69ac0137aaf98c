import Testing
import VigilServer

@Suite struct TokenFileTests {
    static let good = """
        # who may use the console
        alice:analyst=1,2:alice-token-0123456789

        bob:viewer:bob-token-0123456789ab
        root:admin:root:token:with:colons
        carol:analyst:carol-token-0123456789
        """

    @Test func parsesRolesAndFindsIdentities() throws {
        let file = try TokenFile(parsing: Self.good, path: "tokens")
        #expect(file.entries.map(\.identity.name) == ["alice", "bob", "root", "carol"])
        #expect(file.identity(forToken: Array("alice-token-0123456789".utf8)) == Identity(name: "alice", role: .analyst(tiers: [1, 2])))
        #expect(file.identity(forToken: Array("bob-token-0123456789ab".utf8))?.role == .viewer)
        #expect(file.identity(forToken: Array("root:token:with:colons".utf8))?.role == .admin)
        #expect(file.identity(forToken: Array("carol-token-0123456789".utf8))?.role == .analyst(tiers: [1, 2, 3]))
        #expect(file.identity(forToken: Array("alice-token-012345678".utf8)) == nil)
        #expect(file.identity(forToken: Array("alice-token-0123456789x".utf8)) == nil)
        #expect(file.identity(forToken: []) == nil)
    }

    @Test(arguments: [
        ("a:viewer:0123456789abcdef\nbad line\n", "tokens:2: expected name:role:token"),
        ("# c\n\na:root:0123456789abcdef\n", "tokens:3: unknown role 'root' (viewer, analyst, analyst=1,2 or admin)"),
        ("a:viewer:short\n", "tokens:1: token of 'a' is 5 characters; at least 16 are needed"),
        ("a:analyst=1,4:0123456789abcdef\n", "tokens:1: analyst tiers must be a list of 1, 2 and 3 (analyst=1,2), not '4'"),
        ("a:viewer:0123456789abcdef\na:admin:0123456789abcdeg\n", "tokens:2: name 'a' appears twice"),
        ("a:viewer:0123456789abcdef\nb:admin:0123456789abcdef\n", "tokens:2: token of 'b' is also another name's token"),
        (":viewer:0123456789abcdef\n", "tokens:1: empty name"),
        ("a b:viewer:0123456789abcdef\n", "tokens:1: name 'a b' must be 1 to 64 characters among letters, digits, '.', '_', '-', '@'"),
        ("# only comments\n", "tokens: no token in the file (lines are name:role:token)"),
    ])
    func badFilesSayWhereAndWhy(text: String, message: String) {
        #expect(throws: ServerError.tokenFile(message)) { try TokenFile(parsing: text, path: "tokens") }
    }

    @Test func unreadableFileNamesThePath() {
        #expect {
            try TokenFile(path: "/nonexistent/tokens")
        } throws: { error in
            "\(error)".hasPrefix("/nonexistent/tokens: cannot read the token file")
        }
    }

    static let comparisons: [(String, String, Bool)] = [
        ("", "", true), ("abc", "abc", true), ("abc", "abd", false), ("abc", "ab", false), ("ab", "abc", false), ("abc", "", false),
        ("\u{0}", "", false),
    ]

    @Test(arguments: comparisons)
    func constantTimeComparison(a: String, b: String, equal: Bool) {
        #expect(constantTimeEquals(Array(a.utf8), Array(b.utf8)) == equal)
    }

    @Test func rolesActOnTheirTiers() {
        #expect(!Role.viewer.mayAct(onTier: 1))
        #expect(Role.analyst(tiers: [1, 2]).mayAct(onTier: 2))
        #expect(!Role.analyst(tiers: [1, 2]).mayAct(onTier: 3))
        #expect(Role.admin.mayAct(onTier: 3))
        #expect(Role.analyst(tiers: [2, 1]).tiers == [1, 2])
    }
}
