package dev.cairn.vsphere.soap;

import java.io.IOException;

/** A reply that is not the XML the vim25 API promises (truncated, too large, missing parts). */
public final class MalformedReplyException extends IOException {
  public MalformedReplyException(String message) {
    super(message);
  }

  public MalformedReplyException(String message, Throwable cause) {
    super(message, cause);
  }
}
