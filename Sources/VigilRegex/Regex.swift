import CPCRE2

/// A PCRE2 pattern compiled once (with JIT when available) and shared by every thread.
///
/// Matching needs a per-thread ``RegexScratch``; the compiled code itself is read-only after
/// construction, which PCRE2 documents as safe to share between threads.
public final class Regex: @unchecked Sendable {
    // @unchecked: `code` is written only in init and freed in deinit; pcre2_match only reads it.
    let code: OpaquePointer
    /// The pattern as given.
    public let pattern: String
    public let options: Options
    /// Whether JIT compilation succeeded (the interpreter is used otherwise).
    public let isJITCompiled: Bool
    /// Number of capture groups (not counting group 0).
    public let captureCount: Int
    /// Named groups with their group numbers, in pattern order.
    public let namedGroups: [(name: String, index: Int)]
    /// Whether the pattern can only match at the start of the subject (`^...`, or the `.anchored` option).
    public let isAnchored: Bool
    /// The bytes a match can start with, as PCRE2 worked them out at compile time (its first code unit,
    /// in both cases when it is a letter, or its start bitmap); nil when PCRE2 knows no such set (any byte,
    /// or an empty match, may start a match). For an anchored pattern this is a test of the subject's first
    /// byte that callers can run before matching.
    public let possibleFirstBytes: Set<UInt8>?

    /// Compile options.
    public struct Options: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Unicode-aware caseless matching (`(?i)`).
        public static let caseInsensitive = Options(rawValue: 1 << 0)
        /// `^` and `$` match at line breaks (`(?m)`).
        public static let multiline = Options(rawValue: 1 << 1)
        /// `.` matches newlines too (`(?s)`).
        public static let dotAll = Options(rawValue: 1 << 2)
        /// Match only at the start of the subject.
        public static let anchored = Options(rawValue: 1 << 3)
        /// Treat the subject as UTF-8 (invalid sequences never match but never fail the match). Without it,
        /// patterns and subjects are bytes, which is faster for ASCII log formats.
        public static let utf = Options(rawValue: 1 << 4)
    }

    /// Compiles `pattern`.
    /// - Throws: ``RegexCompileError`` with PCRE2's message and the byte offset in the pattern.
    public init(_ pattern: String, options: Options = [.utf]) throws(RegexCompileError) {
        var flags: UInt32 = 0
        if options.contains(.caseInsensitive) { flags |= UInt32(PCRE2_CASELESS) }
        if options.contains(.multiline) { flags |= UInt32(PCRE2_MULTILINE) }
        if options.contains(.dotAll) { flags |= UInt32(PCRE2_DOTALL) }
        if options.contains(.anchored) { flags |= UInt32(PCRE2_ANCHORED) }
        if options.contains(.utf) { flags |= UInt32(PCRE2_UTF) | UInt32(PCRE2_MATCH_INVALID_UTF) }

        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let compiled: OpaquePointer? =
            pattern.utf8.withContiguousStorageIfAvailable { utf8 in
                pcre2_compile_8(utf8.baseAddress, utf8.count, flags, &errorCode, &errorOffset, nil)
            }
            ?? {
                let bytes = Array(pattern.utf8)
                return bytes.withUnsafeBufferPointer {
                    pcre2_compile_8($0.baseAddress, $0.count, flags, &errorCode, &errorOffset, nil)
                }
            }()
        guard let compiled else {
            throw RegexCompileError(message: Regex.errorMessage(errorCode), offset: errorOffset, pattern: pattern)
        }
        self.code = compiled
        self.pattern = pattern
        self.options = options
        self.isJITCompiled = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0

        var count: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        self.captureCount = Int(count)
        self.namedGroups = Regex.readNameTable(compiled)
        var allOptions: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_ALLOPTIONS), &allOptions)
        self.isAnchored = allOptions & UInt32(PCRE2_ANCHORED) != 0
        self.possibleFirstBytes = Regex.readFirstBytes(compiled)
    }

    private static func readFirstBytes(_ code: OpaquePointer) -> Set<UInt8>? {
        var type: UInt32 = 0
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTCODETYPE), &type)
        if type == 1 {
            var unit: UInt32 = 0
            pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTCODEUNIT), &unit)
            guard unit < 256 else { return nil }
            // PCRE2 reports one case of a caseless first letter (`(?i)^abc` gives `a`): allow both.
            let byte = UInt8(unit)
            let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            return isLetter ? [byte | 0x20, byte & ~0x20] : [byte]
        }
        var bitmap: UnsafePointer<UInt8>? = nil
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTBITMAP), &bitmap)
        guard let bitmap else { return nil }
        return Set((0..<256).filter { bitmap[$0 / 8] & (1 << ($0 % 8)) != 0 }.map { UInt8($0) })
    }

    deinit {
        pcre2_code_free_8(code)
    }

    /// The group number of a named group.
    public func groupIndex(named name: String) -> Int? {
        namedGroups.first { $0.name == name }?.index
    }

    private static func readNameTable(_ code: OpaquePointer) -> [(name: String, index: Int)] {
        var nameCount: UInt32 = 0
        var entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>? = nil
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &nameCount)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
        guard nameCount > 0, let table else { return [] }
        var result: [(name: String, index: Int)] = []
        for i in 0..<Int(nameCount) {
            let entry = table + i * Int(entrySize)
            let index = Int(entry[0]) << 8 | Int(entry[1])
            var length = 0
            while length < Int(entrySize) - 2, entry[2 + length] != 0 { length += 1 }
            let name = String(decoding: UnsafeBufferPointer(start: entry + 2, count: length), as: UTF8.self)
            result.append((name, index))
        }
        // The name table is sorted by name; report groups in pattern order.
        return result.sorted { $0.index < $1.index }
    }

    static func errorMessage(_ code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = pcre2_get_error_message_8(code, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[0..<Int(n)], as: UTF8.self) : "PCRE2 error \(code)"
    }
}

/// A pattern that PCRE2 refused to compile.
public struct RegexCompileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// PCRE2's own message.
    public var message: String
    /// Byte offset in the pattern where compilation failed.
    public var offset: Int
    public var pattern: String

    public var description: String { "\(message) at offset \(offset) in pattern" }
}
