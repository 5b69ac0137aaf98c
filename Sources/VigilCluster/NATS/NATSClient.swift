import Atomics
import CNATS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A NATS or JetStream call that failed: what was tried, the client's status text and, from the
/// server, the JetStream error code (0 when none).
public struct NATSError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var status: String
    public var jetStreamCode: Int

    public var description: String {
        let code = jetStreamCode != 0 ? " (JetStream error \(jetStreamCode))" : ""
        return "\(operation): \(status)\(code)"
    }

    init(operation: String, status: String) {
        self.operation = operation
        self.status = status
        jetStreamCode = 0
    }

    init(_ operation: String, _ status: natsStatus, _ jetStreamCode: jsErrCode = jsErrCode(0)) {
        self.operation = operation
        var last = NATS_OK
        let detail = nats_GetLastError(&last).map { String(cString: $0) } ?? ""
        let text = String(cString: natsStatus_GetText(status))
        self.status = detail.isEmpty || detail == text ? text : "\(text): \(detail)"
        self.jetStreamCode = Int(jetStreamCode.rawValue)
    }
}

/// The numbers of a stream (`vigil cluster status`).
public struct StreamState: Sendable, Hashable {
    public var messages: UInt64
    public var bytes: UInt64
    public var firstSequence: UInt64
    public var lastSequence: UInt64
}

/// The numbers of a consumer: how far it got and what it still has to take.
public struct ConsumerState: Sendable, Hashable {
    /// Messages of the stream not yet delivered to the consumer.
    public var pending: UInt64
    /// Delivered and not yet acknowledged.
    public var ackPending: Int64
    public var redelivered: Int64
    /// The stream sequence up to which everything is acknowledged.
    public var ackFloor: UInt64
}

/// What a stream keeps (`vigil cluster init`, docs/SCALING.md).
public struct StreamSpec: Sendable, Hashable {
    public var name: String
    public var subjects: [String]
    /// Work queue: a message is removed once acknowledged; limits: kept until the limits below.
    public var workQueue: Bool
    public var maxBytes: Int64
    public var maxAgeSeconds: Int64
    /// How long the server remembers message ids to drop a repeated publish.
    public var duplicateWindowSeconds: Int64
    public var maxMessageSize: Int32

    public init(
        name: String, subjects: [String], workQueue: Bool, maxBytes: Int64, maxAgeSeconds: Int64, duplicateWindowSeconds: Int64,
        maxMessageSize: Int32
    ) {
        self.name = name
        self.subjects = subjects
        self.workQueue = workQueue
        self.maxBytes = maxBytes
        self.maxAgeSeconds = maxAgeSeconds
        self.duplicateWindowSeconds = duplicateWindowSeconds
        self.maxMessageSize = maxMessageSize
    }
}

/// One connection to a NATS server and its JetStream context, through the NATS C client. Used from one
/// thread at a time (each role keeps its own).
public final class NATSClient: @unchecked Sendable {
    private let connection: OpaquePointer
    private let jetStream: OpaquePointer
    public let url: String
    /// Asynchronous publishes the server refused or that failed, counted by the client's callback.
    private let asyncFailures = AsyncPublishFailures()

    /// Connects; a server that is down is retried every second for `connectSeconds`, and a connection
    /// that drops later reconnects without a limit (JetStream keeps what was acknowledged).
    public init(url: String, name: String, connectSeconds: Int = 10, requestTimeoutMilliseconds: Int64 = 10_000) throws(NATSError) {
        self.url = url
        var options: OpaquePointer?
        var status = natsOptions_Create(&options)
        guard status == NATS_OK, let options else { throw NATSError("nats options", status) }
        defer { natsOptions_Destroy(options) }
        _ = natsOptions_SetURL(options, url)
        _ = natsOptions_SetName(options, name)
        _ = natsOptions_SetMaxReconnect(options, -1)
        _ = natsOptions_SetReconnectWait(options, 250)
        var connection: OpaquePointer?
        for attempt in 0...max(0, connectSeconds) {
            status = natsConnection_Connect(&connection, options)
            if status == NATS_OK || attempt == connectSeconds { break }
            sleep(1)
        }
        guard status == NATS_OK, let connection else { throw NATSError("connect to \(url)", status) }
        var jsOptions = jsOptions()
        jsOptions_Init(&jsOptions)
        jsOptions.Wait = requestTimeoutMilliseconds
        jsOptions.PublishAsync.MaxPending = 4096
        jsOptions.PublishAsync.ErrHandler = { _, _, closure in
            guard let closure else { return }
            Unmanaged<AsyncPublishFailures>.fromOpaque(closure).takeUnretainedValue().count.wrappingIncrement(ordering: .relaxed)
        }
        jsOptions.PublishAsync.ErrHandlerClosure = Unmanaged.passUnretained(asyncFailures).toOpaque()
        var context: OpaquePointer?
        status = natsConnection_JetStream(&context, connection, &jsOptions)
        guard status == NATS_OK, let context else {
            natsConnection_Destroy(connection)
            throw NATSError("JetStream on \(url)", status)
        }
        self.connection = connection
        self.jetStream = context
    }

    deinit {
        jsCtx_Destroy(jetStream)
        natsConnection_Destroy(connection)
    }

    // MARK: Streams and consumers

    /// Creates the stream, or updates it to `spec` when it exists.
    public func ensureStream(_ spec: StreamSpec) throws(NATSError) {
        var config = jsStreamConfig()
        jsStreamConfig_Init(&config)
        let name = strdup(spec.name)
        var subjects: [UnsafePointer<CChar>?] = spec.subjects.map { UnsafePointer(strdup($0)) }
        defer {
            free(name)
            for subject in subjects { free(UnsafeMutablePointer(mutating: subject)) }
        }
        config.Name = UnsafePointer(name)
        config.Retention = spec.workQueue ? js_WorkQueuePolicy : js_LimitsPolicy
        config.MaxBytes = spec.maxBytes
        config.MaxAge = spec.maxAgeSeconds * 1_000_000_000
        config.Duplicates = spec.duplicateWindowSeconds * 1_000_000_000
        config.MaxMsgSize = spec.maxMessageSize
        config.Storage = js_FileStorage
        // A full stream refuses new messages (the publisher waits and retries) rather than drop old ones.
        config.Discard = js_DiscardNew
        var code = jsErrCode(0)
        let status = subjects.withUnsafeMutableBufferPointer { buffer -> natsStatus in
            config.Subjects = buffer.baseAddress
            config.SubjectsLen = Int32(buffer.count)
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var status = js_AddStream(&info, jetStream, &config, nil, &code)
            if status != NATS_OK && code == JSStreamNameExistErr {
                code = jsErrCode(0)
                status = js_UpdateStream(&info, jetStream, &config, nil, &code)
            }
            if let info { jsStreamInfo_Destroy(info) }
            return status
        }
        guard status == NATS_OK else { throw NATSError("stream \(spec.name)", status, code) }
    }

    /// Creates a durable pull consumer with explicit acknowledgements (nothing when it exists).
    public func ensurePullConsumer(
        stream: String, durable: String, filterSubject: String? = nil, ackWaitSeconds: Int64 = 30, maxAckPending: Int64 = 64
    ) throws(NATSError) {
        var config = jsConsumerConfig()
        jsConsumerConfig_Init(&config)
        let durableName = strdup(durable), filter = filterSubject.map { strdup($0) }
        defer {
            free(durableName)
            if let filter { free(filter) }
        }
        config.Durable = UnsafePointer(durableName)
        config.AckPolicy = js_AckExplicit
        config.DeliverPolicy = js_DeliverAll
        config.AckWait = ackWaitSeconds * 1_000_000_000
        config.MaxAckPending = maxAckPending
        if let filter { config.FilterSubject = UnsafePointer(filter) }
        var code = jsErrCode(0)
        var info: UnsafeMutablePointer<jsConsumerInfo>?
        let status = js_AddConsumer(&info, jetStream, stream, &config, nil, &code)
        if let info { jsConsumerInfo_Destroy(info) }
        guard status == NATS_OK || code == JSConsumerNameExistErr else {
            throw NATSError("consumer \(durable) on \(stream)", status, code)
        }
    }

    public func streamState(_ stream: String) throws(NATSError) -> StreamState {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(0)
        let status = js_GetStreamInfo(&info, jetStream, stream, nil, &code)
        guard status == NATS_OK, let info else { throw NATSError("stream \(stream)", status, code) }
        defer { jsStreamInfo_Destroy(info) }
        let state = info.pointee.State
        return StreamState(messages: state.Msgs, bytes: state.Bytes, firstSequence: state.FirstSeq, lastSequence: state.LastSeq)
    }

    public func consumerState(stream: String, durable: String) throws(NATSError) -> ConsumerState {
        var info: UnsafeMutablePointer<jsConsumerInfo>?
        var code = jsErrCode(0)
        let status = js_GetConsumerInfo(&info, jetStream, stream, durable, nil, &code)
        guard status == NATS_OK, let info else { throw NATSError("consumer \(durable) on \(stream)", status, code) }
        defer { jsConsumerInfo_Destroy(info) }
        let value = info.pointee
        return ConsumerState(
            pending: value.NumPending, ackPending: value.NumAckPending, redelivered: value.NumRedelivered, ackFloor: value.AckFloor.Stream)
    }

    /// Every consumer of `stream`, by name, with its numbers.
    public func consumers(stream: String) throws(NATSError) -> [(name: String, description: String, state: ConsumerState)] {
        var list: UnsafeMutablePointer<jsConsumerInfoList>?
        var code = jsErrCode(0)
        let status = js_Consumers(&list, jetStream, stream, nil, &code)
        if status == NATS_NOT_FOUND { return [] }
        guard status == NATS_OK, let list else { throw NATSError("consumers of \(stream)", status, code) }
        defer { jsConsumerInfoList_Destroy(list) }
        var result: [(name: String, description: String, state: ConsumerState)] = []
        for index in 0..<Int(list.pointee.Count) {
            guard let info = list.pointee.List[index] else { continue }
            let value = info.pointee
            result.append(
                (
                    value.Name.map { String(cString: $0) } ?? "",
                    value.Config?.pointee.Description.map { String(cString: $0) } ?? "",
                    ConsumerState(
                        pending: value.NumPending, ackPending: value.NumAckPending, redelivered: value.NumRedelivered,
                        ackFloor: value.AckFloor.Stream)
                ))
        }
        return result.sorted { $0.name < $1.name }
    }

    // MARK: Publishing

    /// Publishes one message and waits for the server's acknowledgement, retrying (with the same
    /// message id, so the server keeps one copy) while the server is unreachable or the stream is full.
    /// Returns whether the server already had the id (a duplicate it dropped).
    ///
    /// Waiting here is the flow control: the caller (the edge's collector, an alert output's thread)
    /// goes no faster than JetStream stores.
    @discardableResult
    public func publish(
        subject: String, payload: UnsafeRawBufferPointer, messageID: String, retryFor seconds: Int = .max,
        onRetry: (NATSError) -> Void = { _ in }
    ) throws(NATSError) -> Bool {
        var attempt = 0
        let attempts = seconds > Int.max / 4 ? Int.max : seconds * 4
        while true {
            var options = jsPubOptions()
            jsPubOptions_Init(&options)
            var ack: UnsafeMutablePointer<jsPubAck>?
            var code = jsErrCode(0)
            let status = messageID.withCString { id -> natsStatus in
                options.MsgId = id
                return js_Publish(&ack, jetStream, subject, payload.baseAddress, Int32(payload.count), &options, &code)
            }
            if status == NATS_OK, let ack {
                let duplicate = ack.pointee.Duplicate
                jsPubAck_Destroy(ack)
                return duplicate
            }
            if let ack { jsPubAck_Destroy(ack) }
            let error = NATSError("publish \(subject) \(messageID)", status, code)
            attempt += 1
            guard attempt < attempts else { throw error }
            onRetry(error)
            usleep(250_000)
        }
    }

    /// Publishes `bytes[ranges[i]]` with message id `ids[i]`, each, without waiting for each
    /// acknowledgement, then waits (up to `timeoutMilliseconds`) until the server acknowledged them all.
    /// Throws when any failed or is still unacknowledged: publish the whole batch again (the message
    /// ids make that safe).
    public func publishAll(
        subject: String, bytes: [UInt8], ranges: [Range<Int>], ids: [String], timeoutMilliseconds: Int64 = 3_000
    ) throws(NATSError) {
        let failedBefore = asyncFailures.count.load(ordering: .relaxed)
        var status = NATS_OK
        bytes.withUnsafeBytes { buffer in
            for (range, id) in zip(ranges, ids) where status == NATS_OK {
                var options = jsPubOptions()
                jsPubOptions_Init(&options)
                status = id.withCString { text -> natsStatus in
                    options.MsgId = text
                    return js_PublishAsync(
                        jetStream, subject, buffer.baseAddress.map { $0 + range.lowerBound }, Int32(range.count), &options)
                }
            }
        }
        var complete = jsPubOptions()
        jsPubOptions_Init(&complete)
        complete.MaxWait = timeoutMilliseconds
        let waited = js_PublishAsyncComplete(jetStream, &complete)
        if status != NATS_OK || waited != NATS_OK {
            // Publishes whose acknowledgements were lost (a server that restarted) would stay pending
            // for ever and keep every later wait from completing: drop them, the caller publishes the
            // whole batch again.
            var pending = natsMsgList()
            if js_PublishAsyncGetPendingList(&pending, jetStream) == NATS_OK { natsMsgList_Destroy(&pending) }
        }
        guard status == NATS_OK else { throw NATSError("publish \(subject)", status) }
        guard waited == NATS_OK else { throw NATSError("acknowledgements of \(ids.count) messages on \(subject)", waited) }
        let failed = asyncFailures.count.load(ordering: .relaxed) - failedBefore
        guard failed == 0 else {
            throw NATSError(operation: "publish \(subject)", status: "\(failed) of \(ids.count) messages refused")
        }
    }

    // MARK: Consuming

    /// An ephemeral pull consumer of `stream` from `startSequence` on, without acknowledgements: the
    /// caller keeps its own position and subscribes again from there after a failure. The server
    /// removes the consumer `inactiveSeconds` after its client last asked for messages (a client that
    /// pauses longer finds it gone and subscribes again). `description` shows in
    /// `vigil cluster status`.
    public func orderedPull(
        stream: String, subject: String, startSequence: UInt64, description: String, inactiveSeconds: Int64 = 30
    ) throws(NATSError) -> PullSubscription {
        var subOptions = jsSubOptions()
        jsSubOptions_Init(&subOptions)
        var code = jsErrCode(0)
        var subscription: OpaquePointer?
        let status = stream.withCString { streamName in
            description.withCString { text -> natsStatus in
                subOptions.Stream = streamName
                subOptions.Config.Description = text
                subOptions.Config.AckPolicy = js_AckNone
                subOptions.Config.DeliverPolicy = startSequence > 1 ? js_DeliverByStartSequence : js_DeliverAll
                subOptions.Config.OptStartSeq = startSequence > 1 ? startSequence : 0
                subOptions.Config.InactiveThreshold = inactiveSeconds * 1_000_000_000
                return js_PullSubscribe(&subscription, jetStream, subject, nil, nil, &subOptions, &code)
            }
        }
        guard status == NATS_OK, let subscription else { throw NATSError("subscribe to \(stream) from \(startSequence)", status, code) }
        return PullSubscription(subscription, client: self, acknowledges: false)
    }

    /// Binds to the durable pull consumer `durable` of `stream`.
    public func pullSubscription(stream: String, durable: String, subject: String) throws(NATSError) -> PullSubscription {
        var subOptions = jsSubOptions()
        jsSubOptions_Init(&subOptions)
        var code = jsErrCode(0)
        var subscription: OpaquePointer?
        let status = stream.withCString { streamName in
            durable.withCString { consumerName -> natsStatus in
                subOptions.Stream = streamName
                subOptions.Consumer = consumerName
                return js_PullSubscribe(&subscription, jetStream, subject, durable, nil, &subOptions, &code)
            }
        }
        guard status == NATS_OK, let subscription else { throw NATSError("subscribe \(durable) on \(stream)", status, code) }
        return PullSubscription(subscription, client: self, acknowledges: true)
    }
}

/// A message fetched from a pull consumer. Acknowledge it, or it is delivered again after the
/// consumer's ack wait.
public struct FetchedMessage: @unchecked Sendable {
    public let data: [UInt8]
    public let streamSequence: UInt64
    /// How many times the server delivered it (more than 1: a redelivery).
    public let deliveries: UInt64
    /// The client's message, kept until acknowledged (nil: released at once, no acknowledgement).
    fileprivate let message: OpaquePointer?
}

/// A pull subscription: fetches messages in stream order (one consumer, acknowledged in order).
public final class PullSubscription: @unchecked Sendable {
    private let subscription: OpaquePointer
    /// Keeps the connection alive as long as the subscription.
    private let client: NATSClient
    /// Messages fetched and not yet acknowledged or released.
    private var held: [OpaquePointer] = []
    private let acknowledges: Bool

    fileprivate init(_ subscription: OpaquePointer, client: NATSClient, acknowledges: Bool) {
        self.subscription = subscription
        self.client = client
        self.acknowledges = acknowledges
    }

    deinit {
        for message in held { natsMsg_Destroy(message) }
        natsSubscription_Destroy(subscription)
    }

    /// Up to `count` messages, waiting at most `timeoutMilliseconds`; empty when none came.
    public func fetch(count: Int, timeoutMilliseconds: Int64) throws(NATSError) -> [FetchedMessage] {
        var list = natsMsgList()
        var code = jsErrCode(0)
        let status = natsSubscription_Fetch(&list, subscription, Int32(count), timeoutMilliseconds, &code)
        if status == NATS_TIMEOUT { return [] }
        guard status == NATS_OK else { throw NATSError("fetch", status, code) }
        var messages: [FetchedMessage] = []
        for index in 0..<Int(list.Count) {
            guard let message = list.Msgs[index] else { continue }
            list.Msgs[index] = nil
            let length = Int(natsMsg_GetDataLength(message))
            let data = natsMsg_GetData(message).map { base in
                [UInt8](UnsafeRawBufferPointer(start: UnsafeRawPointer(base), count: length))
            }
            var meta: UnsafeMutablePointer<jsMsgMetaData>?
            var sequence: UInt64 = 0, deliveries: UInt64 = 1
            if natsMsg_GetMetaData(&meta, message) == NATS_OK, let meta {
                sequence = meta.pointee.Sequence.Stream
                deliveries = meta.pointee.NumDelivered
                jsMsgMetaData_Destroy(meta)
            }
            if acknowledges {
                held.append(message)
            } else {
                // Nothing to acknowledge: the data is copied, the client's message goes at once.
                natsMsg_Destroy(message)
            }
            messages.append(
                FetchedMessage(data: data ?? [], streamSequence: sequence, deliveries: deliveries, message: acknowledges ? message : nil))
        }
        natsMsgList_Destroy(&list)
        return messages
    }

    /// Acknowledges `message` and waits for the server to confirm, then releases it.
    public func acknowledge(_ message: FetchedMessage) throws(NATSError) {
        guard let handle = message.message else { return }
        var code = jsErrCode(0)
        let status = natsMsg_AckSync(handle, nil, &code)
        release(message)
        guard status == NATS_OK else { throw NATSError("acknowledge \(message.streamSequence)", status, code) }
    }

    /// Releases `message` without acknowledging it (the server delivers it again later).
    public func release(_ message: FetchedMessage) {
        if let handle = message.message, let index = held.firstIndex(of: handle) {
            held.remove(at: index)
            natsMsg_Destroy(handle)
        }
    }
}

/// Counts failed asynchronous publishes: the NATS client calls back from its own thread.
final class AsyncPublishFailures: Sendable {
    let count = ManagedAtomic<Int>(0)
}
