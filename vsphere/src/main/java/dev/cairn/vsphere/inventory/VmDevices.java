package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.MalformedReplyException;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.XmlNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A VM's disk controllers, disks and NICs, read from its {@code config.hardware.device} value.
 * Disks come ordered by device key (the order restore points keep).
 */
public record VmDevices(List<VmController> controllers, List<VmDisk> disks, List<VmNic> nics) {
  private static final Set<String> DISK_CONTROLLERS =
      Set.of(
          "ParaVirtualSCSIController",
          "VirtualLsiLogicController",
          "VirtualLsiLogicSASController",
          "VirtualBusLogicController",
          "VirtualAHCIController",
          "VirtualSATAController",
          "VirtualNVMEController",
          "VirtualIDEController");

  public VmDevices {
    controllers = List.copyOf(controllers);
    disks = List.copyOf(disks);
    nics = List.copyOf(nics);
  }

  /**
   * Reads an {@code ArrayOfVirtualDevice} value.
   *
   * @param networkNames names of networks by reference, to name a NIC's network
   */
  public static VmDevices of(XmlNode devices, Map<ManagedObjectReference, String> networkNames)
      throws MalformedReplyException {
    Map<Integer, XmlNode> controllerNodes = new HashMap<>();
    List<VmController> controllers = new ArrayList<>();
    for (XmlNode device : devices.children()) {
      if (device.child("busNumber").isPresent()) {
        int key = (int) device.longValue("key", -1);
        controllerNodes.put(key, device);
        if (DISK_CONTROLLERS.contains(device.typeOrName())) {
          controllers.add(
              new VmController(
                  device.typeOrName(),
                  key,
                  (int) device.longValue("busNumber", 0),
                  device.text("sharedBus", "")));
        }
      }
    }
    List<VmDisk> disks = new ArrayList<>();
    List<VmNic> nics = new ArrayList<>();
    for (XmlNode device : devices.children()) {
      String type = device.typeOrName();
      if (type.equals("VirtualDisk")) {
        disks.add(diskOf(device, controllerNodes));
      } else if (device.child("addressType").isPresent()
          || device.child("macAddress").isPresent()
          || device
              .child("backing")
              .map(b -> b.typeOrName().startsWith("VirtualEthernetCard"))
              .orElse(false)) {
        nics.add(nicOf(device, networkNames));
      }
    }
    disks.sort(Comparator.comparingInt(VmDisk::key));
    return new VmDevices(controllers, disks, nics);
  }

  private static VmDisk diskOf(XmlNode device, Map<Integer, XmlNode> controllers)
      throws MalformedReplyException {
    int controllerKey = (int) device.longValue("controllerKey", -1);
    XmlNode controller = controllers.get(controllerKey);
    long capacity = device.longValue("capacityInBytes", 0);
    if (capacity <= 0) {
      capacity = device.longValue("capacityInKB", 0) * 1024;
    }
    Optional<XmlNode> backing = device.child("backing");
    ManagedObjectReference datastore = null;
    if (backing.isPresent() && backing.get().child("datastore").isPresent()) {
      datastore = ManagedObjectReference.of(backing.get().required("datastore"));
    }
    return new VmDisk(
        (int) device.longValue("key", -1),
        device.child("deviceInfo").map(info -> info.text("label", "")).orElse(""),
        controllerKey,
        controller == null ? "" : controller.typeOrName(),
        controller == null ? -1 : (int) controller.longValue("busNumber", -1),
        (int) device.longValue("unitNumber", -1),
        capacity,
        backing.map(b -> b.text("fileName", "")).orElse(""),
        datastore,
        backing.map(XmlNode::typeOrName).orElse(""),
        backing.map(b -> b.booleanValue("thinProvisioned", false)).orElse(false),
        backing.map(b -> b.text("diskMode", "")).orElse(""),
        backing.map(b -> b.text("uuid", "")).orElse(""),
        backing.map(b -> b.text("changeId", "")).orElse(""));
  }

  private static VmNic nicOf(XmlNode device, Map<ManagedObjectReference, String> networkNames)
      throws MalformedReplyException {
    Optional<XmlNode> backing = device.child("backing");
    ManagedObjectReference network = null;
    String networkName = "";
    String switchUuid = "";
    String portgroupKey = "";
    if (backing.isPresent()) {
      XmlNode b = backing.get();
      if (b.child("network").isPresent()) {
        network = ManagedObjectReference.of(b.required("network"));
      }
      networkName = b.text("deviceName", "");
      Optional<XmlNode> port = b.child("port");
      if (port.isPresent()) {
        switchUuid = port.get().text("switchUuid", "");
        portgroupKey = port.get().text("portgroupKey", "");
        ManagedObjectReference portgroup =
            new ManagedObjectReference("DistributedVirtualPortgroup", portgroupKey);
        network = networkNames.containsKey(portgroup) ? portgroup : network;
      }
      if (b.child("opaqueNetworkId").isPresent()) {
        networkName = b.text("opaqueNetworkId", "");
      }
      if (network != null && networkNames.containsKey(network)) {
        networkName = networkNames.get(network);
      }
    }
    return new VmNic(
        (int) device.longValue("key", -1),
        device.child("deviceInfo").map(info -> info.text("label", "")).orElse(""),
        device.typeOrName(),
        networkName,
        network,
        switchUuid,
        portgroupKey,
        device.text("macAddress", ""),
        device.text("addressType", ""),
        device
            .child("connectable")
            .map(c -> c.booleanValue("startConnected", false))
            .orElse(false));
  }
}
