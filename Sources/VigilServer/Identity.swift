/// What a caller may do: read only, act on the episodes of some tiers, or everything.
public enum Role: Sendable, Hashable, CustomStringConvertible {
    case viewer
    /// Acts on episodes whose current tier is in `tiers`.
    case analyst(tiers: Set<Int>)
    case admin

    /// The tiers this role may act on (none for a viewer).
    public var tiers: [Int] {
        switch self {
        case .viewer: []
        case .analyst(let tiers): tiers.sorted()
        case .admin: [1, 2, 3]
        }
    }

    /// Whether this role may act on an episode whose current tier is `tier`.
    public func mayAct(onTier tier: Int) -> Bool {
        switch self {
        case .viewer: false
        case .analyst(let tiers): tiers.contains(tier)
        case .admin: true
        }
    }

    /// The name in the token file and in `GET /session` (`analyst` for any set of tiers).
    public var name: String {
        switch self {
        case .viewer: "viewer"
        case .analyst: "analyst"
        case .admin: "admin"
        }
    }

    public var description: String {
        switch self {
        case .analyst(let tiers) where tiers != [1, 2, 3]: "analyst=" + tiers.sorted().map(String.init).joined(separator: ",")
        default: name
        }
    }
}

/// Who makes a request: the token's name (recorded in episode histories) and its role.
public struct Identity: Sendable, Hashable {
    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// Everyone, when the server runs on loopback without a token file.
    public static let local = Identity(name: "local", role: .admin)
}
