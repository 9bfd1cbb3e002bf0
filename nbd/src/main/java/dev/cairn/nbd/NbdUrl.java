package dev.cairn.nbd;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * An NBD location as QEMU and libnbd spell it: {@code nbd://HOST[:PORT]/EXPORT}, {@code
 * nbd+unix:///EXPORT?socket=PATH}, and {@code nbds://} / {@code nbds+unix://} for TLS. The default
 * port is 10809; an empty export name is the server's default export.
 *
 * <p>IPv6 hosts are written in brackets ({@code nbd://[::1]/disk}); the export name and the socket
 * path are percent-decoded as UTF-8; the leading {@code /} of the path is not part of the export
 * name. User names, fragments and query parameters other than {@code socket} are refused, so that
 * nothing in a URL is silently ignored.
 *
 * @param tls whether the connection must use TLS (the nbds schemes)
 * @param host TCP host, empty for a Unix socket
 * @param port TCP port, 0 for a Unix socket
 * @param socket the Unix socket path, empty for TCP
 * @param exportName the export name (URL-decoded), possibly empty
 */
public record NbdUrl(boolean tls, String host, int port, Optional<Path> socket, String exportName) {
  public static final int DEFAULT_PORT = 10809;

  private static final int MAX_EXPORT_NAME_BYTES = 4096;

  /**
   * Checks the parts agree: a Unix socket has no host or port; TCP has a host and a port in range.
   *
   * @throws IllegalArgumentException if they do not
   */
  public NbdUrl {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(socket, "socket");
    Objects.requireNonNull(exportName, "exportName");
    if (socket.isPresent() && (!host.isEmpty() || port != 0)) {
      throw new IllegalArgumentException("A Unix-socket NBD URL has no host or port");
    }
    if (socket.isEmpty() && (host.isEmpty() || port < 1 || port > 65535)) {
      throw new IllegalArgumentException(
          "A TCP NBD URL needs a host and a port from 1 to 65535, not '%s' and %d"
              .formatted(host, port));
    }
    if (exportName.indexOf('\0') >= 0
        || exportName.getBytes(StandardCharsets.UTF_8).length > MAX_EXPORT_NAME_BYTES) {
      throw new IllegalArgumentException(
          "An NBD export name must have no NUL and at most 4096 bytes");
    }
  }

  /** A TCP location. */
  public static NbdUrl tcp(String host, int port, String exportName) {
    return new NbdUrl(false, host, port, Optional.empty(), exportName);
  }

  /** A Unix-socket location. */
  public static NbdUrl unix(Path socket, String exportName) {
    return new NbdUrl(false, "", 0, Optional.of(socket), exportName);
  }

  /** The same location with TLS required. */
  public NbdUrl withTls() {
    return new NbdUrl(true, host, port, socket, exportName);
  }

  /** The same server with another export. */
  public NbdUrl withExportName(String name) {
    return new NbdUrl(tls, host, port, socket, name);
  }

  /**
   * Parses a URL.
   *
   * @throws IllegalArgumentException naming the URL and what is wrong with it
   */
  public static NbdUrl parse(String url) {
    Objects.requireNonNull(url, "url");
    int schemeEnd = url.indexOf("://");
    if (schemeEnd < 0) {
      throw invalid(url, "it has no scheme (nbd://, nbds://, nbd+unix:// or nbds+unix://)");
    }
    String scheme = url.substring(0, schemeEnd);
    boolean tls = scheme.equals("nbds") || scheme.equals("nbds+unix");
    boolean unix = scheme.equals("nbd+unix") || scheme.equals("nbds+unix");
    if (!tls && !unix && !scheme.equals("nbd")) {
      throw invalid(
          url, "scheme '%s' is not nbd, nbds, nbd+unix or nbds+unix".formatted(visible(scheme)));
    }
    String rest = url.substring(schemeEnd + 3);
    if (rest.indexOf('#') >= 0) {
      throw invalid(url, "it has a fragment (#...), which NBD URLs do not use");
    }
    String query = null;
    int question = rest.indexOf('?');
    if (question >= 0) {
      query = rest.substring(question + 1);
      rest = rest.substring(0, question);
    }
    int slash = rest.indexOf('/');
    String authority = slash >= 0 ? rest.substring(0, slash) : rest;
    String exportName = slash >= 0 ? decode(url, rest.substring(slash + 1), "export name") : "";
    if (authority.indexOf('@') >= 0) {
      throw invalid(url, "it has a user name, which is not supported");
    }
    String socketParameter = socketParameter(url, query, unix);
    try {
      if (unix) {
        if (!authority.isEmpty()) {
          throw invalid(
              url, "a Unix-socket URL has no host (write nbd+unix:///EXPORT?socket=PATH)");
        }
        Path socket = Path.of(socketParameter);
        return new NbdUrl(tls, "", 0, Optional.of(socket), exportName);
      }
      Authority parsed = Authority.parse(url, authority);
      return new NbdUrl(tls, parsed.host(), parsed.port(), Optional.empty(), exportName);
    } catch (InvalidPathException e) {
      throw invalid(url, "the socket path is not valid here: " + e.getReason());
    } catch (IllegalArgumentException e) {
      if (e.getMessage().startsWith("Cannot parse NBD URL")) {
        throw e;
      }
      throw invalid(url, e.getMessage());
    }
  }

  private static String socketParameter(String url, String query, boolean unix) {
    String socket = null;
    if (query != null && !query.isEmpty()) {
      for (String parameter : query.split("&", -1)) {
        int equals = parameter.indexOf('=');
        String name = decode(url, equals < 0 ? parameter : parameter.substring(0, equals), "query");
        if (!name.equals("socket")) {
          throw invalid(url, "query parameter '%s' is not supported".formatted(visible(name)));
        }
        if (!unix) {
          throw invalid(url, "socket= belongs only in nbd+unix:// and nbds+unix:// URLs");
        }
        if (socket != null) {
          throw invalid(url, "socket= is given twice");
        }
        socket = equals < 0 ? "" : decode(url, parameter.substring(equals + 1), "socket path");
      }
    }
    if (unix && (socket == null || socket.isEmpty())) {
      throw invalid(url, "a Unix-socket URL needs ?socket=PATH");
    }
    return socket;
  }

  private record Authority(String host, int port) {
    static Authority parse(String url, String authority) {
      String host;
      String portText = null;
      if (authority.startsWith("[")) {
        int close = authority.indexOf(']');
        if (close < 0) {
          throw invalid(url, "the IPv6 address has no closing ']'");
        }
        host = decode(url, authority.substring(1, close), "host");
        if (!host.matches("[0-9A-Fa-f:.]+(%[^\\s/?#\\[\\]]+)?") || !host.contains(":")) {
          throw invalid(url, "'%s' is not an IPv6 address".formatted(visible(host)));
        }
        String after = authority.substring(close + 1);
        if (!after.isEmpty()) {
          if (!after.startsWith(":")) {
            throw invalid(url, "unexpected text after the IPv6 address");
          }
          portText = after.substring(1);
        }
      } else {
        int colon = authority.indexOf(':');
        host = colon >= 0 ? authority.substring(0, colon) : authority;
        if (colon >= 0) {
          portText = authority.substring(colon + 1);
          if (portText.indexOf(':') >= 0) {
            throw invalid(url, "an IPv6 address must be in brackets, as in nbd://[::1]/EXPORT");
          }
        }
        if (host.isEmpty()) {
          throw invalid(url, "it has no host");
        }
        if (!host.matches("[A-Za-z0-9._-]+")) {
          throw invalid(url, "'%s' is not a host name or address".formatted(visible(host)));
        }
      }
      return new Authority(host, portText == null ? DEFAULT_PORT : port(url, portText));
    }

    private static int port(String url, String text) {
      if (!text.matches("[0-9]{1,5}")
          || Integer.parseInt(text) < 1
          || Integer.parseInt(text) > 65535) {
        throw invalid(url, "port '%s' is not a number from 1 to 65535".formatted(visible(text)));
      }
      return Integer.parseInt(text);
    }
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
    StringBuilder url = new StringBuilder(tls ? "nbds" : "nbd");
    if (socket.isPresent()) {
      url.append("+unix:///").append(encode(exportName));
      url.append("?socket=").append(encode(socket.get().toString()));
      return url.toString();
    }
    url.append("://");
    if (host.contains(":")) {
      url.append('[').append(host.replace("%", "%25")).append(']');
    } else {
      url.append(host);
    }
    if (port != DEFAULT_PORT) {
      url.append(':').append(port);
    }
    return url.append('/').append(encode(exportName)).toString();
  }

  /** The URL as a {@link URI}. */
  public URI toUri() {
    return URI.create(toString());
  }

  private static IllegalArgumentException invalid(String url, String reason) {
    return new IllegalArgumentException(
        "Cannot parse NBD URL '%s': %s".formatted(visible(withoutUser(url)), reason));
  }

  /** Hides a user name (and any password after it) so that a message never shows one. */
  private static String withoutUser(String url) {
    int start = url.indexOf("://");
    if (start < 0) {
      return url;
    }
    start += 3;
    int end = start;
    while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    int at = url.lastIndexOf('@', end - 1);
    return at >= start ? url.substring(0, start) + "***" + url.substring(at) : url;
  }

  /** Shows text in a one-line message: control characters become '?'. */
  private static String visible(String text) {
    StringBuilder shown = new StringBuilder(text.length());
    text.codePoints().forEach(c -> shown.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return shown.toString();
  }

  private static String decode(String url, String text, String what) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); ) {
      char c = text.charAt(i);
      if (c != '%') {
        int codePoint = text.codePointAt(i);
        bytes.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
        i += Character.charCount(codePoint);
        continue;
      }
      if (i + 2 >= text.length()) {
        throw invalid(url, "the %s has a truncated percent-escape".formatted(what));
      }
      int high = Character.digit(text.charAt(i + 1), 16);
      int low = Character.digit(text.charAt(i + 2), 16);
      if (high < 0 || low < 0) {
        throw invalid(url, "the %s has an invalid percent-escape".formatted(what));
      }
      bytes.write(high << 4 | low);
      i += 3;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw invalid(url, "the %s is not UTF-8 once percent-decoded".formatted(what));
    }
  }

  /** Percent-encodes all but unreserved characters and '/', so the result is a valid URI part. */
  private static String encode(String text) {
    StringBuilder encoded = new StringBuilder(text.length());
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~'
          || c == '/') {
        encoded.append(c);
      } else {
        encoded.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
      }
    }
    return encoded.toString();
  }
}
