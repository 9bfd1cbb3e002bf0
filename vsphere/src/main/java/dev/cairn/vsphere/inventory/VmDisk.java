package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;

/**
 * One virtual disk of a VM.
 *
 * @param key the device key (unique within the VM; QueryChangedDiskAreas takes it)
 * @param controllerType the vim25 type of its controller ({@code ParaVirtualSCSIController}...)
 * @param busNumber the controller's bus number
 * @param unitNumber its unit on the controller (-1 when unknown)
 * @param fileName the backing descriptor ({@code [ds1] vm/vm.vmdk})
 * @param datastore the backing's datastore, or null
 * @param backingType the backing's vim25 type ({@code VirtualDiskFlatVer2BackingInfo}, an RDM...)
 * @param thin thin provisioned
 * @param diskMode {@code persistent}, {@code independent_persistent}...
 * @param uuid the backing's uuid, empty when none
 * @param changeId the CBT change id, empty when tracking is off
 */
public record VmDisk(
    int key,
    String label,
    int controllerKey,
    String controllerType,
    int busNumber,
    int unitNumber,
    long capacityBytes,
    String fileName,
    ManagedObjectReference datastore,
    String backingType,
    boolean thin,
    String diskMode,
    String uuid,
    String changeId) {

  /** Whether Cairn can read it through a snapshot (not a physical RDM, not independent). */
  public boolean snapshotCapable() {
    return !diskMode.startsWith("independent")
        && !backingType.equals("VirtualDiskRawDiskMappingVer1BackingInfo");
  }
}
