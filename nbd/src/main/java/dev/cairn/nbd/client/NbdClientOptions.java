package dev.cairn.nbd.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How to connect.
 *
 * @param metaContexts meta contexts to negotiate (e.g. {@code base:allocation}, {@code
 *     qemu:dirty-bitmap:NAME}); a requested context the server does not offer fails the connect,
 *     naming it
 * @param connectTimeout limit for the TCP connect and the whole handshake
 * @param ioTimeout limit for one reply to arrive (a stalled server fails the command, naming it): a
 *     command fails when no byte of it moves for this long
 * @param tls the TLS context for {@code nbds} URLs (X.509: trust store holds the CA; a key store
 *     when the server asks for a client certificate); empty uses the JDK default
 * @param tlsHostname the name the server certificate must carry, empty for the URL's host ({@code
 *     localhost} for a Unix socket)
 */
public record NbdClientOptions(
    List<String> metaContexts,
    Duration connectTimeout,
    Duration ioTimeout,
    Optional<SSLContext> tls,
    Optional<String> tlsHostname) {

  /**
   * Checks the values.
   *
   * @throws IllegalArgumentException for a context name that is not {@code namespace:leaf} of at
   *     most 4096 bytes, or a timeout that is not positive
   */
  public NbdClientOptions {
    metaContexts = List.copyOf(metaContexts);
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(ioTimeout, "ioTimeout");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(tlsHostname, "tlsHostname");
    for (String context : metaContexts) {
      if (context.indexOf(':') < 1
          || context.getBytes(StandardCharsets.UTF_8).length > 4096
          || context.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "Cannot use meta context '%s': a context is namespace:name of at most 4096 bytes"
                .formatted(context));
      }
    }
    if (metaContexts.size() != metaContexts.stream().distinct().count()) {
      throw new IllegalArgumentException(
          "Cannot use meta contexts " + metaContexts + ": one is listed twice");
    }
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("Cannot use connect timeout " + connectTimeout);
    }
    if (ioTimeout.isNegative() || ioTimeout.isZero()) {
      throw new IllegalArgumentException("Cannot use I/O timeout " + ioTimeout);
    }
  }

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

  public NbdClientOptions withConnectTimeout(Duration timeout) {
    return new NbdClientOptions(metaContexts, timeout, ioTimeout, tls, tlsHostname);
  }

  public NbdClientOptions withIoTimeout(Duration timeout) {
    return new NbdClientOptions(metaContexts, connectTimeout, timeout, tls, tlsHostname);
  }

  public NbdClientOptions withTls(SSLContext context) {
    return new NbdClientOptions(
        metaContexts, connectTimeout, ioTimeout, Optional.of(context), tlsHostname);
  }

  public NbdClientOptions withTlsHostname(String hostname) {
    return new NbdClientOptions(
        metaContexts, connectTimeout, ioTimeout, tls, Optional.of(hostname));
  }
}
