import Synchronization
import VigilStore

/// What a live stream's writer waits on: the next feed item, a heartbeat, or shutdown.
///
/// The feed's items come through a relay that hands over one at a time and waits until the writer
/// took it, so a writer stuck on a slow client leaves the items in the feed's bounded buffer (where
/// they are counted as dropped) instead of piling up here.
final class StreamMailbox: Sendable {
    enum Signal: Sendable {
        case item(AlertFeed.Item)
        case heartbeat
        case shutdown
        /// The feed ended (the store closed).
        case ended
    }

    private struct State {
        var item: AlertFeed.Item?
        var producer: CheckedContinuation<Void, Never>?
        var consumer: CheckedContinuation<Signal, Never>?
        var heartbeat = false
        var shutdown = false
        var ended = false
        var closed = false
    }

    private let state = Mutex(State())

    /// Hands `item` to the writer and returns once it took it; false when the writer is gone.
    func put(_ item: AlertFeed.Item) async -> Bool {
        await withCheckedContinuation { (producer: CheckedContinuation<Void, Never>) in
            let consumer = state.withLock { state -> CheckedContinuation<Signal, Never>?? in
                if state.closed { return .some(nil) }
                if let consumer = state.consumer {
                    state.consumer = nil
                    return .some(consumer)
                }
                state.item = item
                state.producer = producer
                return .none
            }
            switch consumer {
            case .some(.some(let consumer)):
                consumer.resume(returning: .item(item))
                producer.resume()
            case .some(.none):
                producer.resume()
            case .none:
                break
            }
        }
        return state.withLock { !$0.closed }
    }

    /// The next thing to write: shutdown first, then feed items in order, then the end of the feed,
    /// then a heartbeat that fell due.
    func next() async -> Signal {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (consumer: CheckedContinuation<Signal, Never>) in
                let (ready, producer) = state.withLock { state -> (Signal?, CheckedContinuation<Void, Never>?) in
                    if state.shutdown { return (.shutdown, nil) }
                    if let item = state.item {
                        state.item = nil
                        defer { state.producer = nil }
                        return (.item(item), state.producer)
                    }
                    if state.ended { return (.ended, nil) }
                    if state.heartbeat {
                        state.heartbeat = false
                        return (.heartbeat, nil)
                    }
                    state.consumer = consumer
                    return (nil, nil)
                }
                producer?.resume()
                if let ready { consumer.resume(returning: ready) }
            }
        } onCancel: {
            signalShutdown()
        }
    }

    func signalHeartbeat() {
        let consumer = state.withLock { state -> CheckedContinuation<Signal, Never>? in
            guard let consumer = state.consumer else {
                state.heartbeat = true
                return nil
            }
            state.consumer = nil
            return consumer
        }
        consumer?.resume(returning: .heartbeat)
    }

    func signalShutdown() {
        let consumer = state.withLock { state -> CheckedContinuation<Signal, Never>? in
            state.shutdown = true
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume(returning: .shutdown)
    }

    func feedEnded() {
        let consumer = state.withLock { state -> CheckedContinuation<Signal, Never>? in
            state.ended = true
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume(returning: .ended)
    }

    /// The writer is gone: a relay waiting to hand over an item is let go.
    func close() {
        let producer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            state.item = nil
            defer { state.producer = nil }
            return state.producer
        }
        producer?.resume()
    }
}

/// The open streams, to tell each of them at shutdown.
final class StreamRegistry: Sendable {
    private struct State {
        var mailboxes: [ObjectIdentifier: StreamMailbox] = [:]
        var shutDown = false
    }

    private let state = Mutex(State())

    /// Adds a stream; false once shutdown began (the stream is told at once).
    func register(_ mailbox: StreamMailbox) -> Bool {
        state.withLock { state in
            guard !state.shutDown else { return false }
            state.mailboxes[ObjectIdentifier(mailbox)] = mailbox
            return true
        }
    }

    func unregister(_ mailbox: StreamMailbox) {
        _ = state.withLock { $0.mailboxes.removeValue(forKey: ObjectIdentifier(mailbox)) }
    }

    var count: Int { state.withLock { $0.mailboxes.count } }

    func shutdown() {
        let mailboxes = state.withLock { state in
            state.shutDown = true
            return Array(state.mailboxes.values)
        }
        for mailbox in mailboxes { mailbox.signalShutdown() }
    }
}
