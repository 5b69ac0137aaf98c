import Foundation

/// Follows an alerts file like `tail -F`: prints what it holds, then what is appended, across rotation
/// (a new file under the name) and truncation.
struct AlertFileFollower {
    var path: String
    var selection: AlertSelection
    var printer: AlertPrinter
    /// How often the file is looked at for growth.
    var pollInterval: TimeInterval = 0.2
    /// The longest alert line kept; a longer one is skipped whole (and said so).
    static let maximumLineBytes = 16 << 20

    func run() throws {
        var handle: FileHandle? = nil
        var inode: UInt64 = 0
        var offset: UInt64 = 0
        var partial = Data()
        var skipping = false
        var waitingNoted = false
        while true {
            if handle == nil {
                if let opened = FileHandle(forReadingAtPath: path) {
                    handle = opened
                    inode = Self.inode(of: path) ?? 0
                    offset = 0
                    partial.removeAll()
                } else if !waitingNoted {
                    tailNote("\(path): not there yet; waiting for it")
                    waitingNoted = true
                }
            }
            var readSomething = false
            if let file = handle {
                let chunk = (try? file.read(upToCount: 1 << 20)) ?? Data()
                if !chunk.isEmpty {
                    readSomething = true
                    offset += UInt64(chunk.count)
                    var start = chunk.startIndex
                    while let newline = chunk[start...].firstIndex(of: 0x0A) {
                        if !skipping {
                            partial.append(chunk[start..<newline])
                            emit(partial)
                        }
                        partial.removeAll(keepingCapacity: true)
                        skipping = false
                        start = chunk.index(after: newline)
                    }
                    if !skipping {
                        partial.append(chunk[start...])
                        if partial.count > Self.maximumLineBytes {
                            tailNote("\(path): a line over \(Self.maximumLineBytes) bytes skipped")
                            partial.removeAll()
                            skipping = true
                        }
                    }
                } else {
                    // At the end: a new file under the name (rotation), or this one cut (copy-truncate).
                    let current = Self.inode(of: path)
                    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? nil
                    if current != nil && current != inode {
                        tailNote("\(path): rotated; following the new file")
                        try? file.close()
                        handle = nil
                        continue
                    }
                    if let size, size < offset {
                        tailNote("\(path): truncated; reading from its start")
                        try? file.seek(toOffset: 0)
                        offset = 0
                        partial.removeAll()
                        continue
                    }
                }
            }
            if !readSomething { Thread.sleep(forTimeInterval: pollInterval) }
        }
    }

    private func emit(_ line: Data) {
        guard !line.isEmpty else { return }
        guard let alert = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else { return }
        guard selection.accepts(alert) else { return }
        printer.print(line)
    }

    static func inode(of path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }
}
