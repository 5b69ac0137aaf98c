import Logging
import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilIngest

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Listeners", .serialized)
struct ListenerTests {
    func start(udp: Bool, tcp: Bool, sink: CollectingSink, maxMessageSize: Int = 1024) throws -> ListenerGroup {
        let address = ListenAddress(host: "127.0.0.1", port: 0)
        return try ListenerGroup.start(
            udp: udp ? [address] : [], tcp: tcp ? [address] : [],
            configuration: ListenerConfiguration(maxMessageSize: maxMessageSize, flushInterval: .milliseconds(2)),
            sink: sink, sources: SourceIDAllocator(), logger: Logger(label: "test"))
    }

    /// Waits (bounded) until `sink` holds `count` messages.
    func wait(for count: Int, in sink: CollectingSink) {
        for _ in 0..<500 where sink.messages.count < count { usleep(2000) }
    }

    @Test("UDP: one message per datagram, trailing LF and NUL removed, oversize cut and counted")
    func udpDatagrams() throws {
        let sink = CollectingSink()
        let group = try start(udp: true, tcp: false, sink: sink, maxMessageSize: 100)
        let port = Sockets.port(of: group.boundAddresses[0])
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 3000)
        Sockets.sendDatagrams([Array("<13>one\n".utf8), Array("<13>two\0".utf8), big, Array("\n".utf8)], port: port)
        wait(for: 3, in: sink)
        group.stop()
        #expect(sink.messages.map(\.text) == ["<13>one", "<13>two", String(repeating: "x", count: 100)])
        #expect(sink.messages.map(\.sequence) == [0, 1, 2])
        let stats = group.snapshots()[0]
        #expect(stats.truncated == 1)
        #expect(stats.emptyLines == 1)
        #expect(sink.all.flatMap(\.framingFailures).map(\.failure.reason) == [.oversizeMessage])
    }

    @Test("UDP: a full pipeline drops batches and counts them, never blocks")
    func udpBackpressure() throws {
        let sink = CollectingSink(accepts: false)
        let group = try start(udp: true, tcp: false, sink: sink)
        Sockets.sendDatagrams((0..<50).map { Array("<13>m\($0)".utf8) }, port: Sockets.port(of: group.boundAddresses[0]))
        for _ in 0..<500 where group.snapshots()[0].droppedBackpressure < 50 { usleep(2000) }
        group.stop()
        #expect(group.snapshots()[0].droppedBackpressure == 50)
        #expect(group.snapshots()[0].messages == 0)
    }

    @Test("TCP: each connection is its own source with its own sequence numbers")
    func tcpConnections() throws {
        let sink = CollectingSink()
        let group = try start(udp: false, tcp: true, sink: sink)
        let port = Sockets.port(of: group.boundAddresses[0])
        let a = Sockets.connectTCP(port: port), b = Sockets.connectTCP(port: port)
        Sockets.send(a, Array("<13>a0\n<13>a1\n".utf8))
        Sockets.send(b, Array("<13>b0\n".utf8))
        close(a)
        close(b)
        wait(for: 3, in: sink)
        group.stop()
        let bySource = Dictionary(grouping: sink.messages, by: \.source)
        #expect(bySource.count == 2)
        #expect(bySource.values.map { $0.map(\.text) }.sorted { $0.count > $1.count } == [["<13>a0", "<13>a1"], ["<13>b0"]])
        #expect(bySource.values.allSatisfy { $0.map(\.sequence) == Array(0..<UInt64($0.count)) })
        #expect(group.snapshots()[0].connections == 2)
    }

    @Test("TCP: a full pipeline pauses the connection and retries; nothing is lost")
    func tcpBackpressure() throws {
        let sink = CollectingSink(refusing: 20)
        let group = try start(udp: false, tcp: true, sink: sink)
        let fd = Sockets.connectTCP(port: Sockets.port(of: group.boundAddresses[0]))
        let lines = (0..<2000).map { "<13>message \($0)\n" }
        Sockets.send(fd, Array(lines.joined().utf8))
        wait(for: 2000, in: sink)
        close(fd)
        group.stop()
        #expect(sink.messages.map(\.text) == lines.map { String($0.dropLast()) })
        #expect(group.snapshots()[0].droppedBackpressure == 0)
    }
}
