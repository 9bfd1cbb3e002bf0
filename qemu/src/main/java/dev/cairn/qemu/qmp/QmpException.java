package dev.cairn.qemu.qmp;

import java.io.IOException;

/**
 * A QMP failure that is not an error reply of QEMU: the socket is missing or refuses connections,
 * QEMU did not answer in time, closed the connection or broke the protocol. The message is one line
 * that names the socket and the cause; {@link #reason()} is the cause alone, for callers that name
 * the object themselves. Error replies are {@link QmpCommandException}s.
 */
public class QmpException extends IOException {
  private final String reason;

  public QmpException(String message) {
    this(message, message, null);
  }

  public QmpException(String message, Throwable cause) {
    this(message, message, cause);
  }

  public QmpException(String message, String reason, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** The cause without the socket, e.g. {@code no answer to query-block within 60 s}. */
  public String reason() {
    return reason;
  }
}
