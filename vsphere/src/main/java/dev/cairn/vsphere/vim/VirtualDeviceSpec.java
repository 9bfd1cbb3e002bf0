package dev.cairn.vsphere.vim;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.XmlWriter;

/**
 * The virtual devices Cairn creates or edits, each written as the {@code device} element of a
 * {@code VirtualDeviceConfigSpec} with its {@code xsi:type} and its fields in WSDL order
 * (VirtualDevice's key, backing, connectable, controllerKey, unitNumber, then the subtype's own).
 * Negative keys name new devices, so that a new disk can refer to a new controller.
 */
public sealed interface VirtualDeviceSpec
    permits VirtualDeviceSpec.Disk, VirtualDeviceSpec.Controller, VirtualDeviceSpec.EthernetCard {

  /** The device key (negative for a device to add). */
  int key();

  /** Writes the {@code device} element. */
  void writeTo(XmlWriter xml);

  /**
   * A virtual disk with a {@code VirtualDiskFlatVer2BackingInfo}.
   *
   * @param fileName the backing file ({@code [ds1] vm/vm_1.vmdk}); empty to let the server name a
   *     new one in the VM's folder (or on {@code datastore})
   * @param datastore the datastore for a new file, or null
   * @param diskMode {@code persistent}, {@code independent_persistent}, ...
   * @param thin thin provisioned (null leaves the server's default)
   * @param eagerlyScrub zeroed in advance for thick disks (null leaves the default)
   * @param label the device's label for an edit ({@code Hard disk 1}), or null to leave {@code
   *     deviceInfo} out (vCenter does not need it; the simulator's edit does)
   */
  record Disk(
      int key,
      int controllerKey,
      Integer unitNumber,
      long capacityBytes,
      String fileName,
      ManagedObjectReference datastore,
      String diskMode,
      Boolean thin,
      Boolean eagerlyScrub,
      String label)
      implements VirtualDeviceSpec {

    /** A new thin disk of {@code capacityBytes} on controller {@code controllerKey}. */
    public static Disk newThin(int key, int controllerKey, int unitNumber, long capacityBytes) {
      return new Disk(
          key, controllerKey, unitNumber, capacityBytes, "", null, "persistent", true, null, null);
    }

    /**
     * An existing disk (its key, controller, unit, file, mode and label as the VM reports them)
     * grown to {@code capacityBytes}; vSphere only grows disks.
     */
    public static Disk resized(
        int key,
        int controllerKey,
        int unitNumber,
        String fileName,
        String diskMode,
        String label,
        long capacityBytes) {
      return new Disk(
          key,
          controllerKey,
          unitNumber,
          capacityBytes,
          fileName,
          null,
          diskMode,
          null,
          null,
          label == null || label.isEmpty() ? null : label);
    }

    @Override
    public void writeTo(XmlWriter xml) {
      xml.start("device", "VirtualDisk");
      xml.element("key", key);
      if (label != null) {
        xml.start("deviceInfo").element("label", label).element("summary", label).end();
      }
      xml.start("backing", "VirtualDiskFlatVer2BackingInfo");
      xml.element("fileName", fileName);
      if (datastore != null) {
        datastore.writeTo(xml, "datastore");
      }
      xml.element("diskMode", diskMode);
      xml.optional("thinProvisioned", thin);
      xml.optional("eagerlyScrub", eagerlyScrub);
      xml.end();
      xml.element("controllerKey", controllerKey);
      xml.optional("unitNumber", unitNumber);
      // capacityInKB is required by the WSDL; capacityInBytes (6.7+) is exact for odd sizes.
      xml.element("capacityInKB", capacityBytes / 1024);
      xml.element("capacityInBytes", capacityBytes);
      xml.end();
    }
  }

  /**
   * A disk controller: {@code type} is the vim25 type ({@code ParaVirtualSCSIController}, {@code
   * VirtualLsiLogicSASController}, {@code VirtualLsiLogicController}, {@code
   * VirtualBusLogicController}, {@code VirtualAHCIController}, {@code VirtualNVMEController}). SCSI
   * controllers need {@code sharedBus} ({@code noSharing}); others leave it null.
   */
  record Controller(String type, int key, int busNumber, String sharedBus)
      implements VirtualDeviceSpec {

    /** Whether {@code type} is a SCSI controller (which has a {@code sharedBus}). */
    public static boolean isScsi(String type) {
      return type.endsWith("SCSIController")
          || type.equals("VirtualLsiLogicController")
          || type.equals("VirtualBusLogicController")
          || type.equals("VirtualLsiLogicSASController");
    }

    /** A controller of {@code type}, with {@code noSharing} when it is SCSI. */
    public static Controller of(String type, int key, int busNumber) {
      return new Controller(type, key, busNumber, isScsi(type) ? "noSharing" : null);
    }

    @Override
    public void writeTo(XmlWriter xml) {
      xml.start("device", type);
      xml.element("key", key);
      xml.element("busNumber", busNumber);
      xml.optional("sharedBus", sharedBus);
      xml.end();
    }
  }

  /**
   * A network adapter: {@code type} is the vim25 type ({@code VirtualVmxnet3}, {@code
   * VirtualE1000e}, ...); {@code macAddress} is kept ({@code addressType} {@code manual}) or null
   * for a generated one.
   */
  record EthernetCard(
      String type, int key, NetworkBacking backing, String macAddress, boolean startConnected)
      implements VirtualDeviceSpec {

    @Override
    public void writeTo(XmlWriter xml) {
      xml.start("device", type);
      xml.element("key", key);
      backing.writeTo(xml);
      xml.start("connectable")
          .element("startConnected", startConnected)
          .element("allowGuestControl", true)
          .element("connected", false)
          .end();
      xml.element("addressType", macAddress == null ? "generated" : "manual");
      xml.optional("macAddress", macAddress);
      xml.end();
    }
  }

  /** Where a network adapter connects. */
  sealed interface NetworkBacking
      permits NetworkBacking.StandardNetwork,
          NetworkBacking.DistributedPortgroup,
          NetworkBacking.OpaqueNetwork {
    void writeTo(XmlWriter xml);

    /** A standard port group ({@code Network}), by name and reference. */
    record StandardNetwork(String name, ManagedObjectReference network) implements NetworkBacking {
      @Override
      public void writeTo(XmlWriter xml) {
        xml.start("backing", "VirtualEthernetCardNetworkBackingInfo");
        xml.element("deviceName", name);
        network.writeTo(xml, "network");
        xml.end();
      }
    }

    /** A distributed port group (also NSX segments on a VDS, as on Azure VMware Solution). */
    record DistributedPortgroup(String switchUuid, String portgroupKey) implements NetworkBacking {
      @Override
      public void writeTo(XmlWriter xml) {
        xml.start("backing", "VirtualEthernetCardDistributedVirtualPortBackingInfo");
        xml.start("port").element("switchUuid", switchUuid).element("portgroupKey", portgroupKey);
        xml.end().end();
      }
    }

    /** An opaque network (NSX-T segments on N-VDS). */
    record OpaqueNetwork(String networkId, String networkType) implements NetworkBacking {
      @Override
      public void writeTo(XmlWriter xml) {
        xml.start("backing", "VirtualEthernetCardOpaqueNetworkBackingInfo");
        xml.element("opaqueNetworkId", networkId).element("opaqueNetworkType", networkType);
        xml.end();
      }
    }
  }
}
