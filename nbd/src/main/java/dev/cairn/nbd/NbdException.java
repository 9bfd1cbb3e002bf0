package dev.cairn.nbd;

import java.io.IOException;

/**
 * An NBD failure: the server refused an option or a command, broke the protocol, or the connection
 * failed. The message names the export and the cause; {@link #errno()} is the NBD error the server
 * sent (0 when the failure is not a server error reply).
 */
public class NbdException extends IOException {
  private final int errno;

  public NbdException(String message) {
    this(message, 0, null);
  }

  public NbdException(String message, Throwable cause) {
    this(message, 0, cause);
  }

  public NbdException(String message, int errno, Throwable cause) {
    super(message, cause);
    this.errno = errno;
  }

  /** The NBD error number from the server's reply, 0 if none. */
  public int errno() {
    return errno;
  }
}
