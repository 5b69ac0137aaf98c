import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The certificate and private key of TLS syslog listeners (RFC 5425), PEM files.
public struct ListenerTLS: Sendable, Hashable {
    /// The server certificate, followed by its chain if any.
    public var certificatePath: String
    /// The certificate's private key (unencrypted).
    public var privateKeyPath: String

    public init(certificatePath: String, privateKeyPath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }

    /// Loads both files and checks that they belong together; each failure names its file.
    public func makeContext() throws(IngestError) -> NIOSSLContext {
        for path in [certificatePath, privateKeyPath] where access(path, R_OK) != 0 {
            throw .tlsSetup(file: path, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw .tlsSetup(file: certificatePath, message: "not a PEM certificate (--tls-cert): \(error)")
        }
        guard !chain.isEmpty else { throw .tlsSetup(file: certificatePath, message: "no PEM certificate in it (--tls-cert)") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw .tlsSetup(file: privateKeyPath, message: "not an unencrypted PEM private key (--tls-key): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        // Closing waits this long at most for the peer's close_notify (5 s by default): a peer that never
        // answers would hold its descriptor, and stopping, that long.
        configuration.shutdownTimeout = .seconds(1)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tlsSetup(
                file: "\(certificatePath), \(privateKeyPath)",
                message: "cannot use this certificate with this key (--tls-cert, --tls-key): \(error)")
        }
    }
}
