import CPCRE2

extension RegexScratch {
    /// PCRE2's output vector as a pointer (see ``ovector``): group `g` spans `[2g] ..< [2g + 1]`, -1 when unset.
    /// Stable for the life of this scratch as long as only patterns with fewer groups than the
    /// `capturePairs` it was made with are matched (a pattern with more makes ``match(_:in:from:)``
    /// reallocate the match data).
    public var ovectorPointer: UnsafePointer<Int> {
        UnsafePointer(pcre2_get_ovector_pointer_8(matchData)!)
    }

    /// Runs JIT-compiled code directly, without the checks of ``match(_:in:from:)``: for hot paths that
    /// checked once that the pattern is JIT-compiled (``Regex/isJITCompiled``) and has fewer groups than
    /// the scratch's `capturePairs`. The subject must be a valid pointer (not nil) to `count` bytes.
    ///
    /// Returns ``RegexMatchResult`` like ``match(_:in:from:)``; the groups are in ``ovectorPointer``.
    @inlinable
    public func matchJIT(_ code: Regex.JITCode, subject: UnsafePointer<UInt8>, count: Int) -> RegexMatchResult {
        let rc = pcre2_jit_match_8(code.code, subject, count, 0, 0, matchData, context)
        return rc >= 0 ? .match : RegexScratch.result(ofError: rc)
    }

    /// The result for a negative PCRE2 return code.
    @usableFromInline
    static func result(ofError rc: Int32) -> RegexMatchResult {
        switch rc {
        case PCRE2_ERROR_NOMATCH, PCRE2_ERROR_PARTIAL: return .noMatch
        case PCRE2_ERROR_MATCHLIMIT, PCRE2_ERROR_DEPTHLIMIT, PCRE2_ERROR_HEAPLIMIT, PCRE2_ERROR_JIT_STACKLIMIT:
            return .limitExceeded
        default: return .error(rc)
        }
    }
}

extension Regex {
    /// A JIT-compiled pattern's code, for ``RegexScratch/matchJIT(_:subject:count:)``. Valid only while the
    /// ``Regex`` it came from is alive: keep the `Regex` referenced.
    public struct JITCode: @unchecked Sendable {
        // @unchecked: PCRE2 compiled code is read-only after compilation and may be shared by threads.
        @usableFromInline let code: OpaquePointer
    }

    /// The code for ``RegexScratch/matchJIT(_:subject:count:)``; nil when JIT compilation failed.
    public var jitCode: JITCode? { isJITCompiled ? JITCode(code: code) : nil }
}
