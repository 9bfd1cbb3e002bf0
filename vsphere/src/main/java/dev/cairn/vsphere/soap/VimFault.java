package dev.cairn.vsphere.soap;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * A fault raised by the server for a call or a task, by family. {@link #faultType()} keeps the
 * exact vim25 type (for example {@code FileNotFound} within {@link FileFault}); {@link #reason()}
 * is the server's one-line message. The exception message reads "Cannot &lt;action&gt;:
 * &lt;reason&gt; (&lt;type&gt;)", plus what the family adds (the missing privilege, the file).
 */
public abstract sealed class VimFault extends IOException
    permits VimFault.InvalidLogin,
        VimFault.NotAuthenticated,
        VimFault.NoPermission,
        VimFault.FileFault,
        VimFault.InvalidPowerState,
        VimFault.TaskInProgress,
        VimFault.ManagedObjectNotFound,
        VimFault.InvalidArgument,
        VimFault.SnapshotFault,
        VimFault.Other {

  /** The vim25 subtypes of each family this class maps (WSDL inheritance). */
  private static final Map<String, String> FAMILY =
      Map.ofEntries(
          Map.entry("InvalidClientCertificate", "InvalidLogin"),
          Map.entry("PasswordExpired", "InvalidLogin"),
          Map.entry("CannotAccessFile", "FileFault"),
          Map.entry("CannotCreateFile", "FileFault"),
          Map.entry("CannotDeleteFile", "FileFault"),
          Map.entry("DirectoryNotEmpty", "FileFault"),
          Map.entry("FileAlreadyExists", "FileFault"),
          Map.entry("FileLocked", "FileFault"),
          Map.entry("FileNameTooLong", "FileFault"),
          Map.entry("FileNotFound", "FileFault"),
          Map.entry("FileNotWritable", "FileFault"),
          Map.entry("FileTooLarge", "FileFault"),
          Map.entry("IncorrectFileType", "FileFault"),
          Map.entry("NetworkCopyFault", "FileFault"),
          Map.entry("NoDiskSpace", "FileFault"),
          Map.entry("NotADirectory", "FileFault"),
          Map.entry("NotAFile", "FileFault"),
          Map.entry("TooManyConcurrentNativeClones", "FileFault"),
          Map.entry("TooManyNativeCloneLevels", "FileFault"),
          Map.entry("TooManyNativeClonesOnFile", "FileFault"),
          Map.entry("VAppTaskInProgress", "TaskInProgress"),
          Map.entry("IncompatibleSetting", "InvalidArgument"),
          Map.entry("InvalidIndexArgument", "InvalidArgument"),
          Map.entry("ApplicationQuiesceFault", "SnapshotFault"),
          Map.entry("FilesystemQuiesceFault", "SnapshotFault"),
          Map.entry("MemorySnapshotOnIndependentDisk", "SnapshotFault"),
          Map.entry("MultipleSnapshotsNotSupported", "SnapshotFault"),
          Map.entry("SnapshotDisabled", "SnapshotFault"),
          Map.entry("SnapshotIncompatibleDeviceInVm", "SnapshotFault"),
          Map.entry("SnapshotLocked", "SnapshotFault"),
          Map.entry("SnapshotNoChange", "SnapshotFault"),
          Map.entry("TooManySnapshotLevels", "SnapshotFault"));

  private final String faultType;
  private final String reason;

  private VimFault(String action, String faultType, String reason, String detail) {
    super(
        "Cannot "
            + action
            + ": "
            + (reason.isEmpty() ? faultType : reason + " (" + faultType + ")")
            + detail);
    this.faultType = faultType;
    this.reason = reason;
  }

  /** The exact vim25 fault type, such as {@code FileNotFound} or {@code InvalidLogin}. */
  public String faultType() {
    return faultType;
  }

  /** The server's message (may be empty). */
  public String reason() {
    return reason;
  }

  /**
   * The fault described by {@code fault} (a SOAP fault's detail element or a {@code
   * LocalizedMethodFault}'s {@code fault}).
   *
   * @param action what was attempted, for the message ("call CreateSnapshot_Task on
   *     VirtualMachine:vm-42")
   * @param fault the fault element; its {@code xsi:type} (else its name less "Fault") is the type
   * @param reason the server's message ({@code faultstring} or {@code localizedMessage})
   */
  public static VimFault of(String action, XmlNode fault, String reason) {
    String type = fault.xsiType();
    if (type == null) {
      String name = fault.name();
      type =
          name.endsWith("Fault") && name.length() > 5 ? name.substring(0, name.length() - 5) : name;
    }
    String message = reason == null ? "" : reason.replaceAll("\\s+", " ").strip();
    String family = FAMILY.getOrDefault(type, type);
    try {
      return switch (family) {
        case "InvalidLogin" -> new InvalidLogin(action, type, message);
        case "NotAuthenticated" -> new NotAuthenticated(action, type, message);
        case "NoPermission" ->
            new NoPermission(
                action,
                type,
                message,
                fault.text("privilegeId", ""),
                optionalReference(fault, "object"));
        case "FileFault" -> new FileFault(action, type, message, fault.text("file", ""));
        case "InvalidPowerState" ->
            new InvalidPowerState(
                action,
                type,
                message,
                fault.text("requestedState", ""),
                fault.text("existingState", ""));
        case "TaskInProgress" ->
            new TaskInProgress(action, type, message, optionalReference(fault, "task"));
        case "ManagedObjectNotFound" ->
            new ManagedObjectNotFound(action, type, message, optionalReference(fault, "obj"));
        case "InvalidArgument" ->
            new InvalidArgument(action, type, message, fault.text("invalidProperty", ""));
        case "SnapshotFault" -> new SnapshotFault(action, type, message);
        default -> new Other(action, type, message);
      };
    } catch (MalformedReplyException e) {
      return new Other(action, type, message);
    }
  }

  /** A fault without a vim25 type (a bare SOAP fault): its fault code stands for the type. */
  public static VimFault untyped(String action, String faultCode, String reason) {
    String code = faultCode == null || faultCode.isBlank() ? "SOAP fault" : faultCode.strip();
    return new Other(action, code.substring(code.indexOf(':') + 1), reason == null ? "" : reason);
  }

  private static Optional<ManagedObjectReference> optionalReference(XmlNode fault, String name)
      throws MalformedReplyException {
    Optional<XmlNode> node = fault.child(name);
    return node.isEmpty() ? Optional.empty() : Optional.of(ManagedObjectReference.of(node.get()));
  }

  /** The user name or password was refused (also an expired password). */
  public static final class InvalidLogin extends VimFault {
    InvalidLogin(String action, String type, String reason) {
      super(action, type, reason, "");
    }
  }

  /** The session is gone or was never logged in: log in again. */
  public static final class NotAuthenticated extends VimFault {
    NotAuthenticated(String action, String type, String reason) {
      super(action, type, reason, "");
    }
  }

  /** The session's role lacks {@link #privilegeId()} on {@link #object()}. */
  public static final class NoPermission extends VimFault {
    private final String privilegeId;
    private final Optional<ManagedObjectReference> object;

    NoPermission(
        String action,
        String type,
        String reason,
        String privilegeId,
        Optional<ManagedObjectReference> object) {
      super(
          action,
          type,
          reason,
          privilegeId.isEmpty()
              ? ""
              : "; missing privilege "
                  + privilegeId
                  + object.map(reference -> " on " + reference).orElse(""));
      this.privilegeId = privilegeId;
      this.object = object;
    }

    /**
     * The missing privilege, such as {@code VirtualMachine.State.CreateSnapshot} (may be empty).
     */
    public String privilegeId() {
      return privilegeId;
    }

    /** The object the privilege is missing on. */
    public Optional<ManagedObjectReference> object() {
      return object;
    }
  }

  /** A datastore file could not be found, created, read, locked or written. */
  public static final class FileFault extends VimFault {
    private final String file;

    FileFault(String action, String type, String reason, String file) {
      super(action, type, reason, file.isEmpty() || reason.contains(file) ? "" : "; file " + file);
      this.file = file;
    }

    /** The file concerned (a datastore path such as {@code [ds1] vm/vm.vmdk}; may be empty). */
    public String file() {
      return file;
    }
  }

  /** The VM is in the wrong power state for the operation. */
  public static final class InvalidPowerState extends VimFault {
    private final String requestedState;
    private final String existingState;

    InvalidPowerState(
        String action, String type, String reason, String requestedState, String existingState) {
      super(action, type, reason, existingState.isEmpty() ? "" : "; the VM is " + existingState);
      this.requestedState = requestedState;
      this.existingState = existingState;
    }

    public String requestedState() {
      return requestedState;
    }

    public String existingState() {
      return existingState;
    }
  }

  /** Another task holds the object. */
  public static final class TaskInProgress extends VimFault {
    private final Optional<ManagedObjectReference> task;

    TaskInProgress(
        String action, String type, String reason, Optional<ManagedObjectReference> task) {
      super(action, type, reason, task.map(busy -> "; busy with " + busy).orElse(""));
      this.task = task;
    }

    /** The task that holds the object. */
    public Optional<ManagedObjectReference> task() {
      return task;
    }
  }

  /** The object was deleted (or never existed). */
  public static final class ManagedObjectNotFound extends VimFault {
    private final Optional<ManagedObjectReference> object;

    ManagedObjectNotFound(
        String action, String type, String reason, Optional<ManagedObjectReference> object) {
      super(action, type, reason, object.map(gone -> "; no object " + gone).orElse(""));
      this.object = object;
    }

    public Optional<ManagedObjectReference> object() {
      return object;
    }
  }

  /** An argument was refused. */
  public static final class InvalidArgument extends VimFault {
    private final String invalidProperty;

    InvalidArgument(String action, String type, String reason, String invalidProperty) {
      super(
          action,
          type,
          reason,
          invalidProperty.isEmpty() ? "" : "; invalid property " + invalidProperty);
      this.invalidProperty = invalidProperty;
    }

    /** The refused property path (may be empty). */
    public String invalidProperty() {
      return invalidProperty;
    }
  }

  /** A snapshot could not be taken, removed or consolidated (quiescing failed, too many). */
  public static final class SnapshotFault extends VimFault {
    SnapshotFault(String action, String type, String reason) {
      super(action, type, reason, "");
    }
  }

  /** Any other fault; {@link #faultType()} names it. */
  public static final class Other extends VimFault {
    Other(String action, String type, String reason) {
      super(action, type, reason, "");
    }
  }
}
