import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilCorrelate

/// The compact state behind the engine: group tables, the evidence ring, folded group keys,
/// deferred windows and the per-shard group limit.
@Suite struct StateTests {
    @Test(arguments: [1, 2, 3])
    func groupTableMatchesDictionaryModel(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var table = GroupTable()
        var model: [String: UInt32] = [:]
        var order: [String] = []  // least recently touched first
        var clock: Int64 = 0
        for _ in 0..<30_000 {
            // Few distinct keys, hashed into few buckets: long probe runs, many deletions in clusters.
            let index = random.next() % 3_000
            let key = "k\(index)"
            let hash = GroupKey.hash(key) & (index % 4 == 0 ? 0xFF00_0000_0000_00FF : .max)
            clock += 1
            let found = table.find(key, hash: hash)
            #expect(found == model[key])
            if let slot = found {
                if random.next() % 3 == 0 {
                    table.remove(slot)
                    model[key] = nil
                    order.removeAll { $0 == key }
                } else {
                    table.touch(slot, time: clock)
                    order.removeAll { $0 == key }
                    order.append(key)
                }
            } else {
                let slot = table.insert(key, hash: hash, time: clock)
                #expect(table.keys[Int(slot)] == key)
                model[key] = slot
                order.append(key)
            }
            #expect(table.count == model.count)
            #expect((table.oldest == GroupTable.none ? nil : table.keys[Int(table.oldest)]) == order.first)
        }
        // Removing all at once: nothing is found, every slot's generation moved on, slots are reused.
        let generations = model.values.map { table.generation($0) }
        let slots = Array(model.values)
        table.removeAll()
        #expect(table.count == 0 && table.oldest == GroupTable.none)
        for key in model.keys { #expect(table.find(key, hash: GroupKey.hash(key)) == nil) }
        for (slot, generation) in zip(slots, generations) { #expect(table.generation(slot) == generation &+ 1) }
        let slotCount = table.slotCount
        _ = table.insert("again", hash: GroupKey.hash("again"), time: clock + 1)
        #expect(table.slotCount == slotCount)
        #expect(table.find("again", hash: GroupKey.hash("again")) != nil)
    }

    @Test func evidenceRingKeepsTheRecentAndForgetsTheOverwritten() {
        var store = EvidenceStore(capacity: 64, bytes: 4096)
        func entry(_ n: Int) -> [UInt8] { Array("message number \(n) ".utf8) + Array(repeating: UInt8(ascii: "x"), count: n % 50) }
        var refs: [UInt32] = []
        for n in 0..<1_000 {
            refs.append(
                entry(n).withUnsafeBytes {
                    store.add($0, form: n % 2 == 0 ? .message : .json, time: EvidenceTime(received: Timestamp(nanoseconds: Int64(n))))
                })
        }
        func read(_ ref: UInt32) -> (CorrelationBatch.EvidenceForm, Int64, [UInt8])? {
            store.withEntry(ref) { form, time, bytes in (form, time.received, Array(bytes)) }
        }
        // The last entries are intact (64 entries of at most 70 bytes fit in 4 KiB), the first are gone.
        for n in 990..<1_000 {
            let held = read(refs[n])
            #expect(held?.2 == entry(n))
            #expect(held?.1 == Int64(n))
            #expect(held?.0 == (n % 2 == 0 ? .message : .json))
        }
        for n in 0..<100 { #expect(read(refs[n]) == nil) }
        #expect(read(0) == nil)
        // An entry larger than a quarter of the ring grows it and keeps what was intact.
        let large = [UInt8](repeating: 7, count: 3_000)
        let ref = large.withUnsafeBytes { store.add($0, form: .json, time: EvidenceTime(received: Timestamp(nanoseconds: 0))) }
        #expect(read(ref)?.2 == large)
        #expect(read(refs[999])?.2 == entry(999))
        #expect(store.memoryBytes >= 12_000)
    }

    @Test(arguments: [
        ("10.0.0.1", "10.0.0.1"), ("Bob", "bob"), ("ALICE@Example.ORG", "alice@example.org"), ("Émile", "émile"),
        ("ΣΊΣΥΦΟΣ", "σίσυφος"), ("ſ", "s"), ("\u{212A}", "k"), ("mixed Ünïcödé and ASCII", "MIXED üNÏCÖDÉ AND ascii"),
    ])
    func keysFoldLikeSigmaComparesValues(_ value: String, _ same: String) {
        func folded(_ text: String) -> [UInt8] {
            var out: [UInt8] = []
            Array(text.utf8).withUnsafeBytes { GroupKey.appendFolded($0, to: &out) }
            return out
        }
        #expect(folded(value) == folded(same))
        #expect(folded(value).withUnsafeBytes { GroupKey.hash($0) } == GroupKey.hash(String(decoding: folded(same), as: UTF8.self)))
    }

    @Test func invalidUTF8IsCopiedThroughFolding() {
        let bytes: [UInt8] = [0x41, 0xFF, 0x42, 0xC3]
        var out: [UInt8] = []
        bytes.withUnsafeBytes { GroupKey.appendFolded($0, to: &out) }
        #expect(out == [0x61, 0xFF, 0x62, 0xC3])
    }

    @Test(
        "a chained input's identity: the hash of key, separator and decimal start, without the String",
        arguments: [Int64.min, -1_000_000_007, -1, 0, 7, 10, 1_709_467_200_000_000_000, Int64.max])
    func identityHashEqualsTheStringForm(start: Int64) {
        for key in ["", "10.0.0.1", "alice\u{1F}10.0.0.1", "ΣΊΣΥΦΟΣ"] {
            #expect(GroupKey.hash(key, then: start) == GroupKey.hash(key + String(GroupKey.separator) + String(start)), "\(key)")
        }
    }

    @Test func deferredWindowPrintsItsEvidenceWhenAsked() {
        struct Upper: EvidenceRendering {
            mutating func appendEventJSON(message: UnsafeRawBufferPointer, receiveTime: Timestamp, to out: inout [UInt8]) {
                out.append(
                    contentsOf: "{\"m\":\"\(String(decoding: message, as: UTF8.self).uppercased())\",\"t\":\(receiveTime.nanoseconds)}".utf8
                )
            }
        }
        func window(_ prefix: String, _ items: [(CorrelationBatch.EvidenceForm, Int64, [UInt8])]) -> [UInt8] {
            var out: [UInt8] = []
            DeferredWindow.write(into: &out, prefix: { $0 += Array(prefix.utf8) }) { out in
                for (form, time, bytes) in items {
                    bytes.withUnsafeBytes {
                        DeferredWindow.appendItem(
                            form: form, time: EvidenceTime(received: Timestamp(nanoseconds: time)), bytes: $0, to: &out)
                    }
                }
                return items.count
            }
            return out
        }
        let inner = window(
            "{\"kind\":\"correlation\",\"events\":[", [(.message, 5, Array("abc".utf8)), (.json, 0, Array("{\"j\":1}".utf8))])
        let outer = window("{\"outer\":1,\"events\":[", [(.window, 0, inner), (.message, 7, Array("x".utf8))])
        var printer = EvidencePrinter(renderer: Upper())
        var out: [UInt8] = []
        outer.withUnsafeBytes {
            printer.append(form: .window, time: EvidenceTime(received: Timestamp(nanoseconds: 0)), bytes: $0, to: &out)
        }
        #expect(
            String(decoding: out, as: UTF8.self)
                == #"{"outer":1,"events":[{"kind":"correlation","events":[{"m":"ABC","t":5},{"j":1}]},{"m":"X","t":7}]}"#)
        // Without a renderer a message prints as a JSON string.
        var plain = EvidencePrinter(renderer: nil)
        out.removeAll()
        Array("a\"b".utf8).withUnsafeBytes {
            plain.append(form: .message, time: EvidenceTime(received: Timestamp(nanoseconds: 0)), bytes: $0, to: &out)
        }
        #expect(String(decoding: out, as: UTF8.self) == #"{"raw":"a\"b"}"#)
    }

    @Test func windowEvidenceLeavesOutWhatTheRingForgot() {
        var store = EvidenceStore(capacity: 16)
        var refs: [UInt32] = []
        for index in 1...20 {
            Array("{\"n\":\(index)}".utf8).withUnsafeBytes {
                refs.append(store.add($0, form: .json, time: EvidenceTime(received: Timestamp(nanoseconds: Int64(index)))))
            }
        }
        var env = FlushEnvironment(evidence: store, printer: EvidencePrinter(renderer: nil), context: EvaluationContext(evidenceLimit: 10))
        // 16 entries held: the 2nd and 3rd were overwritten by the 18th and 19th.
        env.context.evidence = [refs[1], refs[16], refs[2], refs[19]]
        #expect(env.evidenceJSON() == [#"{"n":17}"#, #"{"n":20}"#])
        #expect(env.stats.evidenceExpired == 2)

        let prefix = Array(#"{"w":1,"events":["#.utf8)
        // The layout spelled out: prefix length, prefix, item count, items.
        var expected: [UInt8] = withUnsafeBytes(of: UInt32(prefix.count).littleEndian, Array.init) + prefix
        expected += withUnsafeBytes(of: UInt32(2).littleEndian, Array.init)
        for (text, time) in [(#"{"n":17}"#, Int64(17)), (#"{"n":20}"#, 20)] {
            Array(text.utf8).withUnsafeBytes {
                DeferredWindow.appendItem(form: .json, time: EvidenceTime(received: Timestamp(nanoseconds: time)), bytes: $0, to: &expected)
            }
        }
        env.writeDeferredWindow { $0.append(contentsOf: prefix) }
        let deferred = env.deferred
        #expect(deferred == expected)
        #expect(env.stats.evidenceExpired == 4)
        var out: [UInt8] = []
        deferred.withUnsafeBytes {
            env.printer.append(form: .window, time: EvidenceTime(received: Timestamp(nanoseconds: 0)), bytes: $0, to: &out)
        }
        #expect(String(decoding: out, as: UTF8.self) == #"{"w":1,"events":[{"n":17},{"n":20}]}"#)
    }

    @Test(arguments: [
        (limit: 1_000_000, shards: 1, perShard: 1_000_000), (limit: 1_000_000, shards: 2, perShard: 503_000),
        (limit: 100_000, shards: 2, perShard: 50_949), (limit: 100_000, shards: 4, perShard: 25_822),
        (limit: 2, shards: 2, perShard: 2),
    ])
    func groupLimitPerShardHasHeadroom(limit: Int, shards: Int, perShard: Int) {
        var options = CorrelationOptions(shards: shards)
        options.maxGroupsPerRule = limit
        #expect(options.maxGroupsPerShard == perShard)
    }
}
