package dev.cairn.repository;

import java.io.IOException;

/**
 * A failure with a category. The message is one line that names the thing and the cause, in the
 * form "Cannot &lt;verb&gt; &lt;thing&gt;: &lt;reason&gt;".
 */
public class CairnException extends IOException {
  private final ErrorCode code;

  public CairnException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public CairnException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
