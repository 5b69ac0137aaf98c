import Foundation

/// A bounded, blocking queue between two threads: `post` waits while it is full, `take` while it is
/// empty. Hands over whole steps (arrays of inputs or outputs), never single events.
///
/// A fixed ring of slots: a taken message leaves its slot at once, so the mailbox never keeps a step
/// (and the inputs and evidence it holds) alive after the receiver took it.
final class Mailbox<Message>: @unchecked Sendable {
    // @unchecked: every access to `slots`, `head` and `count` happens with `condition` locked.
    private let condition = NSCondition()
    private var slots: [Message?]
    private var head = 0
    private var count = 0

    init(capacity: Int) {
        slots = Array(repeating: nil, count: max(1, capacity))
    }

    func post(_ message: Message) {
        condition.lock()
        while count == slots.count { condition.wait() }
        slots[(head + count) % slots.count] = message
        count += 1
        condition.broadcast()
        condition.unlock()
    }

    func take() -> Message {
        condition.lock()
        while count == 0 { condition.wait() }
        let message = slots[head].take()!
        head = (head + 1) % slots.count
        count -= 1
        condition.broadcast()
        condition.unlock()
        return message
    }
}
