package dev.cairn.vsphere.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.repository.point.VmConfiguration;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.vim.VirtualDeviceSpec;
import dev.cairn.vsphere.vim.VirtualDeviceSpec.NetworkBacking;
import dev.cairn.vsphere.vim.VmConfigSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NewVmSpecTest {
  private static final NetworkBacking PRODUCTION =
      new NetworkBacking.StandardNetwork(
          "Production", new ManagedObjectReference("Network", "network-7"));

  private static VmConfiguration configuration() {
    return new VmConfiguration(
        "vsphere",
        4,
        2,
        8192,
        "efi",
        "ubuntu64Guest",
        List.of(
            new VmConfiguration.Controller(1000, "ParaVirtualSCSIController", 0, "noSharing"),
            new VmConfiguration.Controller(200, "VirtualIDEController", 0, "")),
        List.of(
            new VmConfiguration.DiskSlot(0, 2000, 1000, 0, 1L << 30, true, "[ds1] vm/vm.vmdk"),
            new VmConfiguration.DiskSlot(1, 2001, 1000, 3, 2L << 30, false, "[ds1] vm/vm_1.vmdk"),
            new VmConfiguration.DiskSlot(2, 3000, 200, 1, 1L << 20, true, "[ds1] vm/vm_2.vmdk")),
        List.of(
            new VmConfiguration.Nic(
                "Network adapter 1", "VirtualVmxnet3", "VM Network", "00:50:56:aa:bb:cc", true),
            new VmConfiguration.Nic(
                "Network adapter 2", "VirtualE1000e", "Backup", "00:50:56:aa:bb:cd", false)),
        Map.of());
  }

  private static NewVmRequest request(Map<String, String> networks, boolean keepMac) {
    return new NewVmRequest("copy", "ds2", null, null, null, networks, false, keepMac);
  }

  @Test
  void theSpecRebuildsTheRecordedHardwareOnTheChosenDatastoreAndNetworks() {
    List<String> warnings = new ArrayList<>();
    NewVmSpec.Built built =
        NewVmSpec.build(
            request(Map.of("VM Network", "Production", "Backup", ""), true),
            configuration(),
            List.of(1L << 30, 2L << 30, 1L << 20),
            Map.of("Production", PRODUCTION),
            warnings::add);
    VmConfigSpec spec = built.spec();

    assertThat(spec.name()).isEqualTo("copy");
    assertThat(spec.vmPathName()).isEqualTo("[ds2]");
    assertThat(spec.numCpus()).isEqualTo(4);
    assertThat(spec.numCoresPerSocket()).isEqualTo(2);
    assertThat(spec.memoryMb()).isEqualTo(8192);
    assertThat(spec.firmware()).isEqualTo("efi");
    assertThat(spec.guestId()).isEqualTo("ubuntu64Guest");
    assertThat(spec.deviceChange().stream().map(VmConfigSpec.DeviceChange::device))
        .containsExactly(
            new VirtualDeviceSpec.Controller("ParaVirtualSCSIController", -100, 0, "noSharing"),
            new VirtualDeviceSpec.Disk(
                -200, -100, 0, 1L << 30, "", null, "persistent", true, null, null),
            new VirtualDeviceSpec.Disk(
                -201, -100, 3, 2L << 30, "", null, "persistent", false, false, null),
            // IDE disks go on the IDE controllers every new VM has.
            new VirtualDeviceSpec.Disk(
                -202, 200, 1, 1L << 20, "", null, "persistent", true, null, null),
            new VirtualDeviceSpec.EthernetCard(
                "VirtualVmxnet3", -300, PRODUCTION, "00:50:56:aa:bb:cc", true));
    assertThat(spec.deviceChange())
        .filteredOn(c -> c.device() instanceof VirtualDeviceSpec.Disk)
        .extracting(VmConfigSpec.DeviceChange::fileOperation)
        .containsOnly("create");
    assertThat(built.diskOrder()).containsExactly(0, 1, 2);
    assertThat(warnings).singleElement().asString().contains("Network adapter 2", "left out");
  }

  @Test
  void macAddressesAreNewUnlessAskedToKeepThem() {
    NewVmSpec.Built built =
        NewVmSpec.build(
            request(Map.of("VM Network", "Production", "Backup", "Production"), false),
            configuration(),
            List.of(1L << 30, 2L << 30, 1L << 20),
            Map.of("Production", PRODUCTION),
            w -> {});
    assertThat(built.spec().deviceChange())
        .extracting(VmConfigSpec.DeviceChange::device)
        .filteredOn(d -> d instanceof VirtualDeviceSpec.EthernetCard)
        .extracting(d -> ((VirtualDeviceSpec.EthernetCard) d).macAddress())
        .containsExactly(null, null);
  }

  @Test
  void networkNamesFollowTheMapAndLeaveOutDroppedAdapters() {
    assertThat(NewVmSpec.networkNames(configuration(), Map.of("Backup", "")))
        .containsExactly("VM Network");
    assertThat(NewVmSpec.networkNames(configuration(), Map.of("VM Network", "Backup")))
        .containsExactly("Backup");
    assertThat(NewVmSpec.networkNames(null, Map.of())).isEmpty();
  }

  @Test
  void aPointWithoutConfigurationGetsAPlainVmAndAWarning() {
    List<String> warnings = new ArrayList<>();
    List<Long> capacities = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      capacities.add(1L << 20);
    }
    NewVmSpec.Built built =
        NewVmSpec.build(request(Map.of(), false), null, capacities, Map.of(), warnings::add);
    List<VirtualDeviceSpec> devices =
        built.spec().deviceChange().stream().map(VmConfigSpec.DeviceChange::device).toList();
    assertThat(devices).filteredOn(d -> d instanceof VirtualDeviceSpec.Controller).hasSize(2);
    List<VirtualDeviceSpec.Disk> disks =
        devices.stream()
            .filter(d -> d instanceof VirtualDeviceSpec.Disk)
            .map(d -> (VirtualDeviceSpec.Disk) d)
            .toList();
    assertThat(disks).hasSize(16);
    // Unit 7 is the SCSI controller's own; 15 disks per controller.
    assertThat(disks.stream().filter(d -> d.controllerKey() == -100).map(d -> d.unitNumber()))
        .doesNotContain(7)
        .hasSize(15);
    assertThat(disks.getLast().controllerKey()).isEqualTo(-101);
    assertThat(disks).allMatch(d -> Boolean.TRUE.equals(d.thin()));
    assertThat(built.spec().numCpus()).isEqualTo(2);
    assertThat(warnings).singleElement().asString().contains("no VM configuration");
  }

  @Test
  void neutralTypesFromOtherHypervisorsMapToVsphereDevices() {
    assertThat(NewVmSpec.vimControllerType("pvscsi")).isEqualTo("ParaVirtualSCSIController");
    assertThat(NewVmSpec.vimControllerType("sata")).isEqualTo("VirtualAHCIController");
    assertThat(NewVmSpec.vimControllerType("VirtualSATAController"))
        .isEqualTo("VirtualAHCIController");
    assertThat(NewVmSpec.vimControllerType("virtio-blk")).isNull();
    assertThat(NewVmSpec.vimNicType("virtio")).isEqualTo("VirtualVmxnet3");
    assertThat(NewVmSpec.vimNicType("VirtualE1000")).isEqualTo("VirtualE1000");
  }

  @Test
  void aDiskThatWasOnIdeGetsAnIdeDescriptorAndTheOthersLsiLogic() {
    assertThat(NewVmRestore.adapterType(configuration(), 0)).isEqualTo("lsilogic");
    assertThat(NewVmRestore.adapterType(configuration(), 2)).isEqualTo("ide");
    assertThat(NewVmRestore.adapterType(null, 0)).isEqualTo("lsilogic");
  }
}
