/// Sizes as people write them on the command line and in configuration: a number and an optional
/// unit, `K`, `M`, `G` or `T` (binary: KiB to TiB; `KiB`, `MB`... read alike), a bare number is bytes.
public enum ByteSizeText {
    /// The size in bytes, or nil for anything else, negative or too large to count.
    public static func parse(_ text: String) -> Int? {
        var digits = Substring(text.trimmingSpaces)
        var shift = 0
        let units: [(suffixes: [String], shift: Int)] = [
            (["TiB", "TB", "T"], 40), (["GiB", "GB", "G"], 30), (["MiB", "MB", "M"], 20), (["KiB", "KB", "K", "k"], 10), (["B"], 0),
        ]
        outer: for unit in units {
            for suffix in unit.suffixes where digits.hasSuffix(suffix) {
                digits = digits.dropLast(suffix.count)
                shift = unit.shift
                break outer
            }
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(digits) else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? nil : bytes
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
