package dev.cairn.nbd;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An NBD location as QEMU and libnbd spell it: {@code nbd://HOST[:PORT]/EXPORT}, {@code
 * nbd+unix:///EXPORT?socket=PATH}, and {@code nbds://} / {@code nbds+unix://} for TLS. The default
 * port is 10809; an empty export name is the server's default export.
 *
 * @param tls whether the connection must use TLS (the nbds schemes)
 * @param host TCP host, empty for a Unix socket
 * @param port TCP port, 0 for a Unix socket
 * @param socket the Unix socket path, empty for TCP
 * @param exportName the export name (URL-decoded), possibly empty
 */
public record NbdUrl(boolean tls, String host, int port, Optional<Path> socket, String exportName) {
  public static final int DEFAULT_PORT = 10809;

  /**
   * Parses a URL.
   *
   * @throws IllegalArgumentException naming the URL and what is wrong with it
   */
  public static NbdUrl parse(String url) {
    throw new UnsupportedOperationException("to be written");
  }

  /** Whether {@code text} looks like an NBD URL (one of the four schemes). */
  public static boolean isNbdUrl(String text) {
    return text.startsWith("nbd://")
        || text.startsWith("nbds://")
        || text.startsWith("nbd+unix://")
        || text.startsWith("nbds+unix://");
  }

  /** The URL in canonical form (for messages and restore points; never holds secrets). */
  @Override
  public String toString() {
    throw new UnsupportedOperationException("to be written");
  }

  /** The URL as a {@link URI}. */
  public URI toUri() {
    return URI.create(toString());
  }
}
