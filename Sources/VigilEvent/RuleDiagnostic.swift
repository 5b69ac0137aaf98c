/// A problem in a rule, decoder or configuration file, located to file, line and column.
///
/// Printed as `file:line:column: message`, the form compilers use, so editors can jump to it.
public struct RuleDiagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem concerns the whole file.
    public var line: Int
    /// 1-based; 0 when unknown.
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}

extension Sequence<RuleDiagnostic> {
    /// By file, then line, column and message: the order `vigil check` and `vigil run` report problems in.
    public func sortedByLocation() -> [RuleDiagnostic] {
        sorted { ($0.file, $0.line, $0.column, $0.message) < ($1.file, $1.line, $1.column, $1.message) }
    }
}

/// One or more ``RuleDiagnostic``s from loading a set of files.
public struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [RuleDiagnostic]

    public init(_ diagnostics: [RuleDiagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
