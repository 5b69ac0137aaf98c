import VigilDetect
import VigilEvent
import VigilRegex

/// Where the rules of a run come from: decoder files, Sigma rule files (detection and correlation in the
/// same files) and the logsource mapping.
public struct RuleLoadOptions: Sendable {
    /// The decoder folder used when no `--decoders` is given, relative to the first place searched
    /// (the current directory; ``shipped`` lists the others).
    public static let defaultDecoderPath = "rules/decoders"
    /// The logsource mapping used when no `--logsources` is given, relative to the first place
    /// searched (the current directory; ``shipped`` lists the others).
    public static let defaultLogsourcesPath = "rules/logsources.yml"

    /// Sigma rule files or directories (`--rules`, repeatable). Empty: no detection or correlation.
    public var rulePaths: [String]
    /// Decoder files or directories (`--decoders`); nil means the shipped decoders (``shipped``), when
    /// found; empty means none (`--no-decoders`).
    public var decoderPaths: [String]?
    /// The base logsource mapping, in place of the shipped one; nil means the shipped mapping
    /// (``shipped``) when ``defaultLogsources`` is on.
    public var logsourcesPath: String?
    /// The logsource of events the mapping places nowhere (`--logsource product=X,...`).
    public var defaultLogsource: SigmaLogsource?
    /// Leave out files with problems (each logged) instead of refusing to run (`--skip-bad-rules`).
    public var skipBadRules: Bool
    /// ReDoS limits shared by decoders and Sigma `re`.
    public var regexLimits: RegexLimits
    /// Where the shipped decoders and logsource mapping are looked for when no option names them.
    public var shipped: ShippedRules = .standard
    /// Logsource mapping files laid over the base mapping (`--logsources FILE`, repeatable): their
    /// sources go in front (the first file's first), their field maps, defaults and placeholders replace
    /// the base's of the same name. See ``LogsourceMapping``.
    public var logsourceOverlays: [String] = []
    /// Whether the shipped mapping is the base (false: `--no-default-logsources`, the overlays alone over
    /// the built-in field maps). Ignored when ``logsourcesPath`` names the base.
    public var defaultLogsources = true
    /// The tier policy (`--tiers FILE`); nil means the shipped `rules/tiers.yml` when found, else the
    /// built-in defaults (docs/alerts.md).
    public var tiersPath: String?
    /// Replaces the policy's default suppression gap (`--suppression-gap`; overrides in the policy
    /// file still win for their rules).
    public var suppressionGap: Timestamp.Duration?

    public init(
        rulePaths: [String] = [],
        decoderPaths: [String]? = nil,
        logsourcesPath: String? = nil,
        defaultLogsource: SigmaLogsource? = nil,
        skipBadRules: Bool = false,
        regexLimits: RegexLimits = .default
    ) {
        self.rulePaths = rulePaths
        self.decoderPaths = decoderPaths
        self.logsourcesPath = logsourcesPath
        self.defaultLogsource = defaultLogsource
        self.skipBadRules = skipBadRules
        self.regexLimits = regexLimits
    }

    /// The decoder paths in effect (the shipped folder only when found).
    public var effectiveDecoderPaths: [String] {
        if let decoderPaths { return decoderPaths }
        return shipped.locate(ShippedRules.decoders).map { [$0] } ?? []
    }

    /// The base logsource mapping in effect (nil: the built-in field maps only).
    public var effectiveLogsourcesPath: String? {
        if let logsourcesPath { return logsourcesPath }
        return defaultLogsources ? shipped.locate(ShippedRules.logsources) : nil
    }

    /// The tier policy file in effect (nil: the built-in defaults).
    public var effectiveTiersPath: String? {
        tiersPath ?? shipped.locate(ShippedRules.tiers)
    }

    /// Every logsource mapping file in effect, the base first, then the overlays in the order given.
    public var logsourceFiles: [String] {
        (effectiveLogsourcesPath.map { [$0] } ?? []) + logsourceOverlays
    }
}
