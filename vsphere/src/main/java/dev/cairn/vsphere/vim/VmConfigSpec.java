package dev.cairn.vsphere.vim;

import dev.cairn.vsphere.soap.XmlWriter;
import java.util.List;

/**
 * The parts of {@code VirtualMachineConfigSpec} Cairn sets, components in WSDL order; null leaves a
 * field out (unchanged by ReconfigVM_Task, the default for CreateVM_Task).
 *
 * @param name the VM's name (CreateVM_Task)
 * @param guestId the guest OS id such as {@code otherGuest64} or {@code windows2019srv_64Guest}
 * @param vmPathName where the VM's files go, such as {@code [datastore1]} (a folder is made) or
 *     {@code [datastore1] vm/vm.vmx}
 * @param numCpus virtual CPUs
 * @param numCoresPerSocket cores per socket
 * @param memoryMb memory in MiB
 * @param deviceChange devices to add, edit or remove
 * @param changeTrackingEnabled Changed Block Tracking on or off
 * @param firmware {@code bios} or {@code efi}
 */
public record VmConfigSpec(
    String name,
    String guestId,
    String vmPathName,
    Integer numCpus,
    Integer numCoresPerSocket,
    Long memoryMb,
    List<DeviceChange> deviceChange,
    Boolean changeTrackingEnabled,
    String firmware) {

  public VmConfigSpec {
    deviceChange = deviceChange == null ? List.of() : List.copyOf(deviceChange);
  }

  /** A spec that only turns Changed Block Tracking on or off. */
  public static VmConfigSpec changeTracking(boolean enabled) {
    return new VmConfigSpec(null, null, null, null, null, null, List.of(), enabled, null);
  }

  /** A spec that only changes devices. */
  public static VmConfigSpec devices(List<DeviceChange> changes) {
    return new VmConfigSpec(null, null, null, null, null, null, changes, null, null);
  }

  /** Writes this spec as element {@code element} (the WSDL's VirtualMachineConfigSpec order). */
  public void writeTo(XmlWriter xml, String element) {
    xml.start(element);
    xml.optional("name", name);
    xml.optional("guestId", guestId);
    if (vmPathName != null) {
      xml.start("files").element("vmPathName", vmPathName).end();
    }
    xml.optional("numCPUs", numCpus);
    xml.optional("numCoresPerSocket", numCoresPerSocket);
    xml.optional("memoryMB", memoryMb);
    for (DeviceChange change : deviceChange) {
      change.writeTo(xml);
    }
    xml.optional("changeTrackingEnabled", changeTrackingEnabled);
    xml.optional("firmware", firmware);
    xml.end();
  }

  /**
   * One device change: {@code operation} is {@code add}, {@code edit} or {@code remove}; {@code
   * fileOperation} ({@code create}, {@code replace}, {@code destroy}, or null) says what happens to
   * a disk's backing file.
   */
  public record DeviceChange(String operation, String fileOperation, VirtualDeviceSpec device) {
    /** Adds {@code device} (a new disk gets its file created). */
    public static DeviceChange add(VirtualDeviceSpec device) {
      return new DeviceChange(
          "add",
          device instanceof VirtualDeviceSpec.Disk disk && disk.fileName().isEmpty()
              ? "create"
              : null,
          device);
    }

    /** Changes {@code device} in place. */
    public static DeviceChange edit(VirtualDeviceSpec device) {
      return new DeviceChange("edit", null, device);
    }

    void writeTo(XmlWriter xml) {
      xml.start("deviceChange");
      xml.element("operation", operation);
      xml.optional("fileOperation", fileOperation);
      device.writeTo(xml);
      xml.end();
    }
  }
}
