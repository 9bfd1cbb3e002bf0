package dev.cairn.repository.point;

import java.util.List;
import java.util.Map;

/**
 * The virtual hardware a VM had when its restore point was taken, enough to re-create the VM
 * elsewhere (restore as a new VM). Hypervisor-neutral where the concepts are shared; anything
 * specific to one hypervisor goes in {@code properties} under keys prefixed by its name (such as
 * {@code vsphere.hardwareVersion}). Stored in the manifest as {@code configuration}; absent for
 * sources that know no configuration (image files, plain NBD exports).
 *
 * @param hypervisor who described it: "vsphere", "qemu"
 * @param cpus virtual CPUs
 * @param coresPerSocket cores per virtual socket (1 when unknown)
 * @param memoryMiB memory in MiB
 * @param firmware "bios" or "efi"
 * @param guestOs the hypervisor's guest OS identifier (vSphere: guestId such as "ubuntu64Guest")
 * @param controllers disk controllers, in device order
 * @param disks where each disk of the point was attached, in the point's disk order
 * @param nics network adapters, in device order
 * @param properties hypervisor-specific extras; may be empty
 */
public record VmConfiguration(
    String hypervisor,
    int cpus,
    int coresPerSocket,
    long memoryMiB,
    String firmware,
    String guestOs,
    List<Controller> controllers,
    List<DiskSlot> disks,
    List<Nic> nics,
    Map<String, String> properties) {
  public VmConfiguration {
    controllers = List.copyOf(controllers);
    disks = List.copyOf(disks);
    nics = List.copyOf(nics);
    properties = Map.copyOf(properties);
  }

  /**
   * A disk controller.
   *
   * @param key the hypervisor's device key (unique within the VM)
   * @param type "lsilogic", "lsilogic-sas", "pvscsi", "buslogic", "nvme", "sata", "ide"
   * @param busNumber the controller's bus number
   * @param sharing SCSI bus sharing ("noSharing" when not SCSI or unknown)
   */
  public record Controller(int key, String type, int busNumber, String sharing) {}

  /**
   * Where one disk of the restore point was attached.
   *
   * @param diskIndex the disk's position in the restore point
   * @param deviceKey the hypervisor's device key of the disk
   * @param controllerKey the key of its controller
   * @param unitNumber its unit number on the controller
   * @param capacityBytes its capacity
   * @param thin whether it was thin-provisioned
   * @param backingFile where it lived ("[datastore1] vm/vm.vmdk"), informational
   */
  public record DiskSlot(
      int diskIndex,
      int deviceKey,
      int controllerKey,
      int unitNumber,
      long capacityBytes,
      boolean thin,
      String backingFile) {}

  /**
   * A network adapter.
   *
   * @param label the hypervisor's label ("Network adapter 1")
   * @param type "vmxnet3", "e1000e", "e1000", "virtio"...
   * @param network the network (port group) name it was connected to
   * @param macAddress its MAC address
   * @param manualMac whether the MAC was set by hand (then a restore may keep it)
   */
  public record Nic(
      String label, String type, String network, String macAddress, boolean manualMac) {}
}
