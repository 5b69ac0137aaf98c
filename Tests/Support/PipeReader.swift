import Foundation
import Synchronization

/// Reads a child's pipe to its end on a thread of its own, with blocking `read(2)`.
///
/// Why not `FileHandle.readabilityHandler`: it watches the descriptor with a Dispatch source, and
/// clearing it cancels that source asynchronously while the `Pipe` closes its descriptor at once when
/// released. libdispatch then unregisters a descriptor that is closed (or already reused by another
/// test's pipe) from its epoll set, and a registration it has freed can still report events: the
/// whole test process dies with SIGSEGV in `_dispatch_event_loop_drain`, as CI saw now and then. Here
/// the reading thread holds the pipe until end of file, so nothing closes the descriptor under it,
/// and no Dispatch source is involved at all.
public final class PipeReader: Sendable {
    /// The pipe to give the child (as `standardOutput` or `standardError`).
    public let pipe = Pipe()
    private let collected = Mutex<(bytes: [UInt8], ended: Bool)>(([], false))
    private let onChunk: (@Sendable ([UInt8]) -> Void)?

    /// `onChunk` sees each chunk as it is read, on the reading thread (for tests that time arrivals).
    public init(onChunk: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.onChunk = onChunk
    }

    /// Starts reading. Call it after `Process.run()`, which closes this process's copy of the write
    /// end: end of file then comes when the child (and anything it passed the descriptor to) exits.
    public func start() {
        let thread = Thread { [self] in self.readToEnd() }
        thread.name = "test pipe reader"
        thread.start()
    }

    private func readToEnd() {
        let descriptor = pipe.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let chunk = Array(buffer[0..<count])
            onChunk?(chunk)
            collected.withLock { $0.bytes += chunk }
        }
        collected.withLock { $0.ended = true }
    }

    /// Everything read so far.
    public var bytes: [UInt8] { collected.withLock { $0.bytes } }

    /// Everything read so far, as UTF-8 (invalid sequences replaced).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether the writer side has closed and everything was read.
    public var ended: Bool { collected.withLock { $0.ended } }

    /// Waits up to `seconds` for end of file; whether it came.
    @discardableResult
    public func waitForEnd(seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !ended && Date() < deadline { usleep(10_000) }
        return ended
    }
}
