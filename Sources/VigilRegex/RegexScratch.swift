import CPCRE2

/// Limits that stop a catastrophic pattern from stalling the pipeline.
///
/// A match that hits a limit counts as a non-match (``RegexMatchResult/limitExceeded``); callers count
/// these per pattern and report them.
public struct RegexLimits: Sendable, Hashable {
    /// PCRE2 match limit: how many times the internal match function may be called (backtracking steps).
    public var matchLimit: UInt32
    /// PCRE2 depth limit (interpreter only; JIT is bounded by ``jitStackSize``).
    public var depthLimit: UInt32
    /// Bytes of JIT stack per thread.
    public var jitStackSize: Int

    public init(matchLimit: UInt32 = 100_000, depthLimit: UInt32 = 10_000, jitStackSize: Int = 512 * 1024) {
        self.matchLimit = matchLimit
        self.depthLimit = depthLimit
        self.jitStackSize = jitStackSize
    }

    public static let `default` = RegexLimits()
}

/// The outcome of one match attempt.
public enum RegexMatchResult: Equatable, Sendable {
    case match
    case noMatch
    /// The match or depth limit (or the JIT stack) ran out: treated as no match, counted by the caller.
    case limitExceeded
    /// Any other PCRE2 error code (treated as no match).
    case error(Int32)
}

/// Per-thread match state: match data, match context with limits and a JIT stack, created once and
/// reused for every match on that thread. Not `Sendable`: each worker owns its own.
public final class RegexScratch {
    // Unchecked: a scratch is owned by one thread (it is not Sendable), so the dynamic exclusivity checks
    // Swift would run on every match and every group read (measured: ~5 ns each) protect nothing.
    @usableFromInline @exclusivity(unchecked) var matchData: OpaquePointer
    @exclusivity(unchecked) private var pairs: Int
    @usableFromInline let context: OpaquePointer
    private let jitStack: OpaquePointer?
    public let limits: RegexLimits

    public init(limits: RegexLimits = .default, capturePairs: Int = 64) {
        self.limits = limits
        self.pairs = max(capturePairs, 1)
        self.matchData = pcre2_match_data_create_8(UInt32(self.pairs), nil)
        self.context = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(context, limits.matchLimit)
        pcre2_set_depth_limit_8(context, limits.depthLimit)
        let stack = pcre2_jit_stack_create_8(32 * 1024, max(limits.jitStackSize, 32 * 1024), nil)
        self.jitStack = stack
        if let stack { pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(stack)) }
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_match_context_free_8(context)
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
    }

    /// Matches `regex` against `subject` (any bytes; no copy, no UTF-8 validation pass).
    ///
    /// After ``RegexMatchResult/match``, ``range(ofGroup:)`` reads the groups until the next call.
    @inlinable
    public func match(_ regex: Regex, in subject: UnsafeRawBufferPointer, from start: Int = 0) -> RegexMatchResult {
        matchImpl(regex, subject, start)
    }

    @usableFromInline
    func matchImpl(_ regex: Regex, _ subject: UnsafeRawBufferPointer, _ start: Int) -> RegexMatchResult {
        if regex.captureCount + 1 > pairs { growMatchData(to: regex.captureCount + 1) }
        // A zero-length subject may have a nil base address; PCRE2 needs a valid pointer.
        let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? RegexScratch.emptySubject
        // pcre2_jit_match skips pcre2_match's option checks and dispatch (~10-15 ns a call); the JIT code
        // still honours the context's match limit and JIT stack.
        let rc =
            regex.isJITCompiled
            ? pcre2_jit_match_8(regex.code, base, subject.count, start, 0, matchData, context)
            : pcre2_match_8(regex.code, base, subject.count, start, 0, matchData, context)
        if rc >= 0 { return .match }
        switch rc {
        case PCRE2_ERROR_NOMATCH, PCRE2_ERROR_PARTIAL: return .noMatch
        case PCRE2_ERROR_MATCHLIMIT, PCRE2_ERROR_DEPTHLIMIT, PCRE2_ERROR_HEAPLIMIT, PCRE2_ERROR_JIT_STACKLIMIT:
            return .limitExceeded
        default: return .error(rc)
        }
    }

    /// The byte range of a group from the last successful match, or nil when the group did not take part.
    @inlinable
    public func range(ofGroup group: Int) -> Range<Int>? {
        rangeImpl(group)
    }

    @usableFromInline
    func rangeImpl(_ group: Int) -> Range<Int>? {
        guard group < pairs else { return nil }
        let ovector = pcre2_get_ovector_pointer_8(matchData)!
        let start = ovector[2 * group]
        let end = ovector[2 * group + 1]
        if start == vigil_pcre2_unset() || end < start { return nil }
        return start..<end
    }

    /// PCRE2's output vector after a successful match, for reading many groups without a call per group:
    /// group `g` spans `ovector[2 * g] ..< ovector[2 * g + 1]`; a group that did not take part has
    /// `ovector[2 * g] == -1` (PCRE2_UNSET). Valid until the next call to ``match(_:in:from:)``, which may
    /// reallocate it for a pattern with more groups than any before.
    public var ovector: UnsafeBufferPointer<Int> {
        UnsafeBufferPointer(start: pcre2_get_ovector_pointer_8(matchData)!, count: 2 * pairs)
    }

    private func growMatchData(to count: Int) {
        pcre2_match_data_free_8(matchData)
        pairs = count
        matchData = pcre2_match_data_create_8(UInt32(count), nil)
    }

    @usableFromInline
    nonisolated(unsafe) static let emptySubject: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()
}

extension Regex {
    /// Convenience for tests and load-time checks: whether `text` matches (allocates a scratch).
    public func matches(_ text: String, limits: RegexLimits = .default) -> Bool {
        let scratch = RegexScratch(limits: limits)
        var t = text
        return t.withUTF8 { scratch.match(self, in: UnsafeRawBufferPointer($0)) == .match }
    }
}
