package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import java.util.List;
import java.util.Map;

/**
 * A virtual machine as Cairn backs it up and restores it.
 *
 * @param parent its folder
 * @param path its inventory path ({@code DC1/vm/Prod/web-01})
 * @param instanceUuid vCenter's uuid of the VM (stable across moves; the identity Cairn keys on)
 * @param biosUuid the SMBIOS uuid the guest sees
 * @param powerState {@code poweredOn}, {@code poweredOff} or {@code suspended}
 * @param guestId the configured guest OS id ({@code ubuntu64Guest})
 * @param firmware {@code bios} or {@code efi}
 * @param vmPathName the .vmx file ({@code [ds1] web-01/web-01.vmx})
 * @param customAttributes custom attribute values by attribute name
 */
public record Vm(
    ManagedObjectReference ref,
    String name,
    ManagedObjectReference parent,
    String path,
    String instanceUuid,
    String biosUuid,
    String powerState,
    String guestId,
    String guestFullName,
    int cpus,
    int coresPerSocket,
    long memoryMb,
    String firmware,
    boolean template,
    boolean changeTrackingEnabled,
    String vmPathName,
    ManagedObjectReference host,
    ManagedObjectReference resourcePool,
    List<VmController> controllers,
    List<VmDisk> disks,
    List<VmNic> nics,
    List<Tag> tags,
    Map<String, String> customAttributes)
    implements InventoryObject {
  public Vm {
    controllers = List.copyOf(controllers);
    disks = List.copyOf(disks);
    nics = List.copyOf(nics);
    tags = List.copyOf(tags);
    customAttributes = Map.copyOf(customAttributes);
  }
}
