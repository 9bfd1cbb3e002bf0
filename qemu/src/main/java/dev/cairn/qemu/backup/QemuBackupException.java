package dev.cairn.qemu.backup;

import java.io.IOException;

/**
 * A backup session could not be opened, committed or cleaned up. The message is one line, {@code
 * Cannot <verb> <disk or QEMU>: <cause>}; QMP errors underneath are the cause.
 */
public class QemuBackupException extends IOException {
  public QemuBackupException(String message) {
    super(message);
  }

  public QemuBackupException(String message, Throwable cause) {
    super(message, cause);
  }
}
