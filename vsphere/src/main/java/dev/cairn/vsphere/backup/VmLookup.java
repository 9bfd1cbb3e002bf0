package dev.cairn.vsphere.backup;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.vim.ObjectContent;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds the VM a backup names: by instance uuid (the form {@code 8-4-4-4-12} hex), by inventory
 * path (anything with a {@code /}: {@code DC1/vm/Folder/VM1}) or by name, which must be unique.
 */
public final class VmLookup {
  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /** The VM was not found, or a name matched several; the message is one line. */
  public static final class VmNotFoundException extends IOException {
    public VmNotFoundException(String message) {
      super(message);
    }
  }

  private VmLookup() {}

  /**
   * The VM {@code what} names.
   *
   * @throws VmNotFoundException when none matches, or a name matches several VMs
   */
  public static ManagedObjectReference find(VimClient client, String what) throws IOException {
    if (UUID.matcher(what).matches()) {
      return client
          .findVmByUuid(what, true)
          .orElseThrow(() -> new VmNotFoundException("No VM has instance uuid " + what));
    }
    if (what.contains("/")) {
      Optional<ManagedObjectReference> found = client.findByInventoryPath(what);
      if (found.isEmpty() || !found.get().type().equals("VirtualMachine")) {
        throw new VmNotFoundException("No VM at inventory path " + what);
      }
      return found.get();
    }
    List<ManagedObjectReference> named =
        client.allOfType("VirtualMachine", List.of("name")).stream()
            .filter(content -> content.text("name").filter(what::equals).isPresent())
            .map(ObjectContent::obj)
            .toList();
    if (named.isEmpty()) {
      throw new VmNotFoundException("No VM is named " + what);
    }
    if (named.size() > 1) {
      throw new VmNotFoundException(
          named.size()
              + " VMs are named "
              + what
              + " ("
              + String.join(", ", named.stream().map(ManagedObjectReference::value).toList())
              + "): name it by inventory path or instance uuid");
    }
    return named.getFirst();
  }
}
