import VigilDetect
import VigilRegex

/// Where the rules of a run come from: decoder files, Sigma rule files (detection and correlation in the
/// same files) and the logsource mapping.
public struct RuleLoadOptions: Sendable {
    /// The decoder folder used when no `--decoders` is given and it exists.
    public static let defaultDecoderPath = "rules/decoders"
    /// The logsource mapping used when no `--logsources` is given and it exists.
    public static let defaultLogsourcesPath = "rules/logsources.yml"

    /// Sigma rule files or directories (`--rules`, repeatable). Empty: no detection or correlation.
    public var rulePaths: [String]
    /// Decoder files or directories (`--decoders`); nil means ``defaultDecoderPath`` when it exists.
    public var decoderPaths: [String]?
    /// The logsource mapping (`--logsources`); nil means ``defaultLogsourcesPath`` when it exists, else
    /// the built-in mapping.
    public var logsourcesPath: String?
    /// The logsource of events the mapping places nowhere (`--logsource product=X,...`).
    public var defaultLogsource: SigmaLogsource?
    /// Leave out files with problems (each logged) instead of refusing to run (`--skip-bad-rules`).
    public var skipBadRules: Bool
    /// ReDoS limits shared by decoders and Sigma `re`.
    public var regexLimits: RegexLimits

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

    /// The decoder paths in effect (the default folder only when it exists).
    public var effectiveDecoderPaths: [String] {
        if let decoderPaths { return decoderPaths }
        return fileExists(Self.defaultDecoderPath) ? [Self.defaultDecoderPath] : []
    }

    /// The logsource mapping in effect (nil: built-in).
    public var effectiveLogsourcesPath: String? {
        if let logsourcesPath { return logsourcesPath }
        return fileExists(Self.defaultLogsourcesPath) ? Self.defaultLogsourcesPath : nil
    }
}
