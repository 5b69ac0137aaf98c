#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where vigil finds the content it ships (decoders, Sigma rules, the logsource mapping) when no option
/// names it, so that the binary works from any directory and not only from a checkout.
///
/// Each item (`decoders`, `logsources.yml`, ...) is looked up in these directories in order, and the
/// first that holds it wins:
///
/// 1. `rules` in the current directory (a checkout, or a directory laid out like one);
/// 2. the binary's own tree: `<package>/rules` when the binary lies under a SwiftPM build directory
///    (`.build/debug/vigil`, `.build/x86_64-unknown-linux-gnu/release/vigil`), else `<bin>/../share/vigil`
///    (installed as `PREFIX/bin/vigil` by `make install`);
/// 3. ``defaultInstallDirectory`` (`/usr/local/share/vigil`, the default PREFIX), for a binary copied
///    elsewhere.
///
/// The binary's path is the resolved executable (`/proc/self/exe`), so a symbolic link to an installed
/// or built binary finds that binary's tree.
public struct ShippedRules: Sendable, Hashable {
    /// The decoder folder inside a rules directory.
    public static let decoders = "decoders"
    /// The logsource mapping inside a rules directory.
    public static let logsources = "logsources.yml"
    /// The tier policy, relative to a search directory.
    public static let tiers = "tiers.yml"
    /// Where `make install` puts the rules with the default PREFIX.
    public static let defaultInstallDirectory = "/usr/local/share/vigil"

    /// The directories searched, in order (duplicates removed).
    public var directories: [String]

    public init(directories: [String]) {
        self.directories = directories
    }

    /// The search order for this process (current directory, the running binary's tree, the default
    /// install directory).
    public static let standard = ShippedRules(directories: searchDirectories(executable: executablePath()))

    /// The search order for a binary at `executable` (a resolved path; nil when unknown).
    public static func searchDirectories(executable: String?) -> [String] {
        var result = ["rules"]
        if let executable, executable.hasPrefix("/") {
            var components = executable.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            components.removeLast()  // the binary's own name
            // A SwiftPM build directory (`.build`, or a scratch path such as `.build-release`) sits in
            // the package root, next to `rules`.
            if let build = components.lastIndex(where: { $0 == ".build" || $0.hasPrefix(".build-") || $0.hasPrefix(".build_") }) {
                result.append("/" + (components[..<build] + ["rules"]).joined(separator: "/"))
            } else if !components.isEmpty {
                result.append("/" + (components.dropLast() + ["share", "vigil"]).joined(separator: "/"))
            }
        }
        result.append(defaultInstallDirectory)
        var unique: [String] = []
        for directory in result where !unique.contains(directory) { unique.append(directory) }
        return unique
    }

    /// The path of `item` in the first directory that has it, or nil.
    public func locate(_ item: String) -> String? {
        for directory in directories {
            let path = directory + "/" + item
            if fileExists(path) { return path }
        }
        return nil
    }

    /// The directories as a message lists them.
    public var searchedText: String {
        directories.map { $0 + "/" }.joined(separator: ", ")
    }

    /// The running executable, symbolic links resolved; nil when it cannot be found.
    static func executablePath() -> String? {
        #if os(Linux)
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
            if count > 0 {
                return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        #endif
        guard let argument = CommandLine.arguments.first, argument.contains("/"), let resolved = realpath(argument, nil) else {
            return nil
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
