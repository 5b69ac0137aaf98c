import Foundation

/// A bounded, blocking queue between two threads: `post` waits while it is full, `take` while it is
/// empty. Hands over whole steps (arrays of inputs or outputs), never single events.
final class Mailbox<Message>: @unchecked Sendable {
    // @unchecked: every access to `items` happens with `condition` locked.
    private let condition = NSCondition()
    private var items: [Message] = []
    private var head = 0
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func post(_ message: Message) {
        condition.lock()
        while items.count - head >= capacity { condition.wait() }
        items.append(message)
        condition.broadcast()
        condition.unlock()
    }

    func take() -> Message {
        condition.lock()
        while items.count == head { condition.wait() }
        let message = items[head]
        head += 1
        if head > 64, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        condition.unlock()
        return message
    }
}
