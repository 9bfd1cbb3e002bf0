package dev.cairn.qemu.backup;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where QEMU's NBD server listens, and the export URLs it gives: a Unix socket, or a TCP host and
 * port.
 */
record NbdServerAddress(Optional<Path> socket, String host, int port) {
  private static final String UNIX = "nbd+unix:///";
  private static final String TCP = "nbd://";

  static NbdServerAddress unix(Path socket) {
    return new NbdServerAddress(Optional.of(socket), "", 0);
  }

  /**
   * Parses {@code nbd+unix:///?socket=PATH} or {@code nbd://HOST[:PORT]} (the export part, if any,
   * is ignored).
   *
   * @throws IllegalArgumentException naming the address and what is wrong
   */
  static NbdServerAddress parse(String url) {
    if (url.startsWith(UNIX)) {
      int query = url.indexOf("?socket=");
      if (query < 0 || query + 8 == url.length()) {
        throw new IllegalArgumentException(
            "Cannot use NBD server " + url + ": a Unix socket URL needs ?socket=PATH");
      }
      return unix(Path.of(url.substring(query + 8)));
    }
    if (url.startsWith(TCP)) {
      String authority = url.substring(TCP.length());
      int slash = authority.indexOf('/');
      if (slash >= 0) {
        authority = authority.substring(0, slash);
      }
      int colon = authority.lastIndexOf(':');
      String host = colon >= 0 ? authority.substring(0, colon) : authority;
      int port = 10809;
      if (colon >= 0) {
        try {
          port = Integer.parseInt(authority.substring(colon + 1));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("Cannot use NBD server " + url + ": bad port", e);
        }
      }
      if (host.isEmpty()) {
        throw new IllegalArgumentException("Cannot use NBD server " + url + ": no host");
      }
      return new NbdServerAddress(Optional.empty(), host, port);
    }
    throw new IllegalArgumentException(
        "Cannot use NBD server " + url + ": expected nbd+unix:///?socket=PATH or nbd://HOST:PORT");
  }

  /** The URL of the export named {@code exportName} on this server. */
  String urlOf(String exportName) {
    String name = URLEncoder.encode(exportName, StandardCharsets.UTF_8).replace("+", "%20");
    return socket
        .map(path -> UNIX + name + "?socket=" + path)
        .orElseGet(() -> TCP + host + ":" + port + "/" + name);
  }
}
