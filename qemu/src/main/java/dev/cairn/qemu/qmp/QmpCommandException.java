package dev.cairn.qemu.qmp;

/**
 * QEMU answered a command with an error. The message reads {@code Cannot <command> on QEMU at
 * <socket>: <desc>}; {@link #reason()} is QEMU's description.
 */
public final class QmpCommandException extends QmpException {
  private final String command;
  private final String errorClass;

  public QmpCommandException(String command, String socket, String errorClass, String description) {
    super("Cannot " + command + " on QEMU at " + socket + ": " + description, description, null);
    this.command = command;
    this.errorClass = errorClass;
  }

  /** The command QEMU refused. */
  public String command() {
    return command;
  }

  /**
   * QEMU's error class: {@code GenericError} for nearly everything, {@code CommandNotFound}, {@code
   * DeviceNotFound}, {@code DeviceNotActive}, {@code KVMMissingCap}.
   */
  public String errorClass() {
    return errorClass;
  }

  /** QEMU's human-readable description of the error. */
  public String description() {
    return reason();
  }
}
