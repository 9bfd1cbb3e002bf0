package dev.cairn.vsphere.restore;

import dev.cairn.repository.point.VmConfiguration;
import dev.cairn.vsphere.vim.VirtualDeviceSpec;
import dev.cairn.vsphere.vim.VirtualDeviceSpec.NetworkBacking;
import dev.cairn.vsphere.vim.VmConfigSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The import spec of a VM restored from a restore point: the point's captured hardware (CPUs,
 * memory, firmware, guest OS, controllers, disks on their original controllers and unit numbers,
 * thin or thick as they were, network adapters), on the chosen datastore and networks. A point
 * without a configuration (a backup of image files or an NBD export) gets a plain VM: 2 CPUs, 4
 * GiB, an LSI Logic SAS controller with the disks in order, and no adapter; a warning says so.
 *
 * <p>New devices have negative keys: controllers from -100, disks from -200, adapters from -300;
 * IDE disks use the two IDE controllers every new VM has (keys 200 and 201).
 */
public final class NewVmSpec {
  static final int CONTROLLER_KEYS = -100;
  static final int DISK_KEYS = -200;
  static final int NIC_KEYS = -300;
  private static final int IDE_CONTROLLER_KEY = 200;
  private static final int SCSI_RESERVED_UNIT = 7;
  private static final int SCSI_UNITS = 16;

  /**
   * The spec and which point disk each of its disks holds.
   *
   * @param diskOrder for the spec's n-th disk (the n-th disk device URL of the lease), the index of
   *     the point's disk uploaded into it
   */
  public record Built(VmConfigSpec spec, List<Integer> diskOrder) {
    public Built {
      diskOrder = List.copyOf(diskOrder);
    }
  }

  private NewVmSpec() {}

  /**
   * The networks the restored adapters connect to (after {@code networkMap}), in adapter order,
   * without the dropped ones; the names {@link Placement#resolve} must find.
   */
  public static List<String> networkNames(
      VmConfiguration configuration, Map<String, String> networkMap) {
    LinkedHashSet<String> names = new LinkedHashSet<>();
    if (configuration != null) {
      for (VmConfiguration.Nic nic : configuration.nics()) {
        String mapped = networkMap.getOrDefault(nic.network(), nic.network());
        if (!mapped.isEmpty()) {
          names.add(mapped);
        }
      }
    }
    return List.copyOf(names);
  }

  /**
   * Builds the spec.
   *
   * @param diskCapacities the capacity of each of the point's disks, in point order
   * @param networks a backing for each name of {@link #networkNames}
   * @param warnings receives what was left out or assumed
   */
  public static Built build(
      NewVmRequest request,
      VmConfiguration configuration,
      List<Long> diskCapacities,
      Map<String, NetworkBacking> networks,
      Consumer<String> warnings) {
    if (configuration == null) {
      warnings.accept(
          "The restore point records no VM configuration (it was not backed up from vSphere):"
              + " VM "
              + request.vmName()
              + " gets 2 CPUs, 4096 MiB, an LSI Logic SAS controller and no network adapter");
      return plain(request, diskCapacities);
    }
    List<VmConfigSpec.DeviceChange> changes = new ArrayList<>();
    Map<Integer, Integer> controllerKeys = new HashMap<>();
    Map<Integer, String> controllerTypes = new HashMap<>();
    int nextController = CONTROLLER_KEYS;
    for (VmConfiguration.Controller controller : configuration.controllers()) {
      String type = vimControllerType(controller.type());
      if (type == null) {
        warnings.accept(
            "Controller "
                + controller.key()
                + " of type "
                + controller.type()
                + " is not known to vSphere; its disks go on a new LSI Logic SAS controller");
        type = "VirtualLsiLogicSASController";
      }
      controllerTypes.put(controller.key(), type);
      if (type.equals("VirtualIDEController")) {
        controllerKeys.put(controller.key(), IDE_CONTROLLER_KEY + controller.busNumber());
        continue;
      }
      int key = nextController--;
      controllerKeys.put(controller.key(), key);
      changes.add(
          VmConfigSpec.DeviceChange.add(
              VirtualDeviceSpec.Controller.of(type, key, controller.busNumber())));
    }
    List<Integer> order = new ArrayList<>();
    Map<Integer, VmConfiguration.DiskSlot> slots = new HashMap<>();
    for (VmConfiguration.DiskSlot slot : configuration.disks()) {
      slots.put(slot.diskIndex(), slot);
    }
    int fallbackController = 0;
    int fallbackUnit = 0;
    for (int index = 0; index < diskCapacities.size(); index++) {
      VmConfiguration.DiskSlot slot = slots.get(index);
      Integer controllerKey = slot == null ? null : controllerKeys.get(slot.controllerKey());
      int unit;
      if (controllerKey == null) {
        // A disk whose controller was not recorded: a controller of its own making.
        if (fallbackController == 0) {
          fallbackController = nextController--;
          changes.add(
              VmConfigSpec.DeviceChange.add(
                  VirtualDeviceSpec.Controller.of(
                      "VirtualLsiLogicSASController",
                      fallbackController,
                      nextFreeBus(configuration)))); // a bus the recorded controllers do not use
        }
        controllerKey = fallbackController;
        unit = fallbackUnit == SCSI_RESERVED_UNIT ? ++fallbackUnit : fallbackUnit;
        fallbackUnit = unit + 1;
        warnings.accept(
            "Disk "
                + index
                + " has no recorded controller; it goes on a new LSI Logic SAS controller, unit "
                + unit);
      } else {
        unit = slot.unitNumber();
      }
      long capacity = diskCapacities.get(index);
      boolean thin = slot == null || slot.thin();
      changes.add(
          VmConfigSpec.DeviceChange.add(
              new VirtualDeviceSpec.Disk(
                  DISK_KEYS - index,
                  controllerKey,
                  unit,
                  capacity,
                  "",
                  null,
                  "persistent",
                  thin,
                  thin ? null : false,
                  null)));
      order.add(index);
    }
    int nic = 0;
    for (VmConfiguration.Nic adapter : configuration.nics()) {
      String network = request.networkMap().getOrDefault(adapter.network(), adapter.network());
      if (network.isEmpty()) {
        warnings.accept(
            "Adapter "
                + adapter.label()
                + " (network "
                + adapter.network()
                + ") is left out, as --network asked");
        continue;
      }
      NetworkBacking backing =
          Objects.requireNonNull(networks.get(network), () -> "no backing for " + network);
      String mac =
          request.keepMacAddresses() && !adapter.macAddress().isEmpty()
              ? adapter.macAddress()
              : null;
      changes.add(
          VmConfigSpec.DeviceChange.add(
              new VirtualDeviceSpec.EthernetCard(
                  vimNicType(adapter.type()), NIC_KEYS - nic++, backing, mac, true)));
    }
    VmConfigSpec spec =
        new VmConfigSpec(
            request.vmName(),
            configuration.guestOs().isEmpty() ? "otherGuest64" : configuration.guestOs(),
            "[" + request.datastore() + "]",
            Math.max(1, configuration.cpus()),
            Math.max(1, configuration.coresPerSocket()),
            Math.max(4, configuration.memoryMiB()),
            changes,
            null,
            configuration.firmware().isEmpty() ? null : configuration.firmware());
    return new Built(spec, order);
  }

  private static Built plain(NewVmRequest request, List<Long> diskCapacities) {
    List<VmConfigSpec.DeviceChange> changes = new ArrayList<>();
    List<Integer> order = new ArrayList<>();
    int controllers = Math.max(1, (diskCapacities.size() + SCSI_UNITS - 2) / (SCSI_UNITS - 1));
    for (int c = 0; c < controllers; c++) {
      changes.add(
          VmConfigSpec.DeviceChange.add(
              VirtualDeviceSpec.Controller.of(
                  "VirtualLsiLogicSASController", CONTROLLER_KEYS - c, c)));
    }
    for (int index = 0; index < diskCapacities.size(); index++) {
      int controller = index / (SCSI_UNITS - 1);
      int unit = index % (SCSI_UNITS - 1);
      if (unit >= SCSI_RESERVED_UNIT) {
        unit++;
      }
      changes.add(
          VmConfigSpec.DeviceChange.add(
              VirtualDeviceSpec.Disk.newThin(
                  DISK_KEYS - index,
                  CONTROLLER_KEYS - controller,
                  unit,
                  diskCapacities.get(index))));
      order.add(index);
    }
    VmConfigSpec spec =
        new VmConfigSpec(
            request.vmName(),
            "otherGuest64",
            "[" + request.datastore() + "]",
            2,
            1,
            4096L,
            changes,
            null,
            null);
    return new Built(spec, order);
  }

  private static int nextFreeBus(VmConfiguration configuration) {
    int bus = 0;
    for (VmConfiguration.Controller controller : configuration.controllers()) {
      bus = Math.max(bus, controller.busNumber() + 1);
    }
    return bus;
  }

  /**
   * The vim25 controller type for a recorded one: vSphere points record vim25 types, other
   * hypervisors the neutral names of {@link VmConfiguration.Controller}; null when unknown.
   */
  static String vimControllerType(String type) {
    return switch (type) {
      case "pvscsi", "ParaVirtualSCSIController" -> "ParaVirtualSCSIController";
      case "lsilogic", "VirtualLsiLogicController" -> "VirtualLsiLogicController";
      case "lsilogic-sas", "VirtualLsiLogicSASController" -> "VirtualLsiLogicSASController";
      case "buslogic", "VirtualBusLogicController" -> "VirtualBusLogicController";
      case "nvme", "VirtualNVMEController" -> "VirtualNVMEController";
      // VirtualSATAController is abstract in vim25; AHCI is the SATA controller a VM can have.
      case "sata", "VirtualSATAController", "VirtualAHCIController" -> "VirtualAHCIController";
      case "ide", "VirtualIDEController" -> "VirtualIDEController";
      default -> null;
    };
  }

  /** The vim25 adapter type for a recorded one; VMXNET 3 for anything vSphere does not have. */
  static String vimNicType(String type) {
    return switch (type) {
      case "VirtualVmxnet3",
          "VirtualE1000",
          "VirtualE1000e",
          "VirtualVmxnet2",
          "VirtualPCNet32",
          "VirtualSriovEthernetCard",
          "VirtualVmxnet3Vrdma" ->
          type;
      case "e1000" -> "VirtualE1000";
      case "e1000e" -> "VirtualE1000e";
      default -> "VirtualVmxnet3";
    };
  }
}
