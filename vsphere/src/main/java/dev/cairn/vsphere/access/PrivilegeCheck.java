package dev.cairn.vsphere.access;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.VimFault;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks, right after login, that the session holds every privilege an {@link Operation} needs on
 * the objects it will touch (HasPrivilegeOnEntity with the session's key, one call per object), so
 * that a role short of one fails before anything changes, naming every missing privilege.
 *
 * <p>A standalone ESXi host has no AuthorizationManager checks worth making (its root user holds
 * everything): without one the check passes and the operation's own faults name what is missing.
 */
public final class PrivilegeCheck {
  private final VimClient client;

  public PrivilegeCheck(VimClient client) {
    this.client = client;
  }

  /**
   * Checks {@code operation}'s privileges on the given objects ({@link Scope#ROOT} defaults to the
   * root folder; scopes without an object are not checked).
   *
   * @throws MissingPrivilegesException naming each missing privilege and its object
   */
  public void require(Operation operation, Map<Scope, List<ManagedObjectReference>> targets)
      throws IOException {
    Map<ManagedObjectReference, List<String>> missing = missing(operation, targets);
    if (!missing.isEmpty()) {
      String user = client.session().map(s -> s.userName()).orElse("this user");
      throw new MissingPrivilegesException(operation, user, missing);
    }
  }

  /** The privileges missing for {@code operation}, by object; empty when all are held. */
  public Map<ManagedObjectReference, List<String>> missing(
      Operation operation, Map<Scope, List<ManagedObjectReference>> targets) throws IOException {
    Map<ManagedObjectReference, List<String>> missing = new LinkedHashMap<>();
    if (client.serviceContent().authorizationManager().isEmpty()
        || !client.serviceContent().about().isVcenter()) {
      return missing;
    }
    for (Map.Entry<Scope, List<String>> entry : operation.privileges().entrySet()) {
      List<ManagedObjectReference> objects = targets.get(entry.getKey());
      if (objects == null && entry.getKey() == Scope.ROOT) {
        objects = List.of(client.serviceContent().rootFolder());
      }
      if (objects == null) {
        continue;
      }
      for (ManagedObjectReference object : objects) {
        List<String> lacking = new ArrayList<>();
        try {
          client
              .hasPrivilegeOnEntity(object, entry.getValue())
              .forEach(
                  (privilege, held) -> {
                    if (!held) {
                      lacking.add(privilege);
                    }
                  });
        } catch (VimFault.NoPermission e) {
          // Even asking needs System.View: without it, nothing on the object is usable.
          lacking.addAll(entry.getValue());
        }
        if (!lacking.isEmpty()) {
          missing.computeIfAbsent(object, o -> new ArrayList<>()).addAll(lacking);
        }
      }
    }
    return missing;
  }
}
