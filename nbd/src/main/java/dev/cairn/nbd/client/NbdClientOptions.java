package dev.cairn.nbd.client;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How to connect.
 *
 * @param metaContexts meta contexts to negotiate (e.g. {@code base:allocation}, {@code
 *     qemu:dirty-bitmap:NAME}); a requested context the server does not offer fails the connect,
 *     naming it
 * @param connectTimeout limit for the TCP connect and the whole handshake
 * @param ioTimeout limit for one reply to arrive (a stalled server fails the command, naming it)
 * @param tls the TLS context for {@code nbds} URLs (X.509: trust store holds the CA; a key store
 *     when the server asks for a client certificate); empty uses the JDK default
 * @param tlsHostname the name the server certificate must carry, empty for the URL's host
 */
public record NbdClientOptions(
    List<String> metaContexts,
    Duration connectTimeout,
    Duration ioTimeout,
    Optional<SSLContext> tls,
    Optional<String> tlsHostname) {
  public static NbdClientOptions defaults() {
    return new NbdClientOptions(
        List.of(),
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        Optional.empty(),
        Optional.empty());
  }

  public NbdClientOptions withMetaContexts(List<String> contexts) {
    return new NbdClientOptions(List.copyOf(contexts), connectTimeout, ioTimeout, tls, tlsHostname);
  }

  public NbdClientOptions withIoTimeout(Duration timeout) {
    return new NbdClientOptions(metaContexts, connectTimeout, timeout, tls, tlsHostname);
  }

  public NbdClientOptions withTls(SSLContext context) {
    return new NbdClientOptions(
        metaContexts, connectTimeout, ioTimeout, Optional.of(context), tlsHostname);
  }
}
