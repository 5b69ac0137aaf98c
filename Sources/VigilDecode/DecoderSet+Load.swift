import Foundation
import VigilEvent
import VigilRegex

extension DecoderSet {
    /// How decoder files are loaded.
    public struct LoadOptions: Sendable {
        /// Match limits for every pattern (the ReDoS guard); a match that hits one is a non-match, counted.
        public var limits: RegexLimits
        /// Leave out files with problems (reporting each) instead of failing the whole load.
        public var skipBadFiles: Bool

        public init(limits: RegexLimits = .default, skipBadFiles: Bool = false) {
            self.limits = limits
            self.skipBadFiles = skipBadFiles
        }
    }

    /// One decoder file's text, for loading files that are not on disk (tests, embedded defaults).
    public struct Source: Sendable {
        /// The name diagnostics use.
        public var file: String
        public var text: String

        public init(file: String, text: String) {
            self.file = file
            self.text = text
        }
    }

    /// Loads decoder files: each path is a file or a directory (searched recursively for `.yml` and
    /// `.yaml` files, in sorted path order). Files load in that order, which is the order decoders are tried.
    ///
    /// - Returns: the decoders, and the problems of the files that were skipped (only with
    ///   ``LoadOptions/skipBadFiles``; each diagnostic names its file).
    /// - Throws: ``RuleLoadError`` with every problem found (`file:line:column: message`) when a path is
    ///   missing or, unless skipping, any file has a problem.
    public static func load(paths: [String], options: LoadOptions = LoadOptions()) throws(RuleLoadError) -> (
        decoders: DecoderSet, skipped: [RuleDiagnostic]
    ) {
        var missing: [RuleDiagnostic] = []
        var sources: [Source] = []
        for file in decoderFiles(under: paths, missing: &missing) {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                missing.append(RuleDiagnostic(file: file, line: 0, column: 0, message: "cannot read decoder file (missing or not UTF-8)"))
                continue
            }
            sources.append(Source(file: file, text: text))
        }
        if !missing.isEmpty && !options.skipBadFiles { throw RuleLoadError(missing) }
        let (decoders, skipped) = try load(sources: sources, options: options)
        return (decoders, missing + skipped)
    }

    /// Loads decoder files from their text, in the order given. See ``load(paths:options:)``.
    public static func load(sources: [Source], options: LoadOptions = LoadOptions()) throws(RuleLoadError) -> (
        decoders: DecoderSet, skipped: [RuleDiagnostic]
    ) {
        let files = ParallelLoad.read(sources)
        var compiler = DecoderCompiler(skipBadFiles: options.skipBadFiles)
        compiler.compiledPatterns = ParallelLoad.compilePatterns(of: files)
        for file in files { compiler.add(file) }
        if !compiler.diagnostics.isEmpty && !options.skipBadFiles {
            throw RuleLoadError(compiler.diagnostics)
        }
        return (DecoderSet(storage: compiler.finish(limits: options.limits)), compiler.diagnostics)
    }

    /// The decoder files under `paths`, in load order.
    public static func decoderFiles(under paths: [String], missing: inout [RuleDiagnostic]) -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(RuleDiagnostic(file: path, line: 0, column: 0, message: "no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let found = (fm.enumerator(atPath: path)?.compactMap { $0 as? String } ?? [])
                .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
                .sorted()
            files += found.map { (path as NSString).appendingPathComponent($0) }
        }
        return files
    }
}
