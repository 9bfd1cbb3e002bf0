package dev.cairn.vsphere.access;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The session's role lacks privileges an operation needs; the message names every one. */
public final class MissingPrivilegesException extends IOException {
  private final Map<ManagedObjectReference, List<String>> missing;

  MissingPrivilegesException(
      Operation operation, String user, Map<ManagedObjectReference, List<String>> missing) {
    super(
        "Cannot "
            + operation.verb()
            + " as "
            + user
            + ": the role lacks "
            + missing.entrySet().stream()
                .map(e -> String.join(", ", e.getValue()) + " on " + e.getKey())
                .collect(Collectors.joining("; "))
            + " (docs/design/vsphere.md lists the privileges)");
    this.missing = Map.copyOf(missing);
  }

  /** The missing privilege ids by the object they are missing on. */
  public Map<ManagedObjectReference, List<String>> missing() {
    return missing;
  }
}
