package dev.cairn.vsphere.vim;

import static dev.cairn.vsphere.vim.GoldenXml.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.vim.VirtualDeviceSpec.NetworkBacking;
import dev.cairn.vsphere.vim.VmConfigSpec.DeviceChange;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every request body against its golden file, whose element order was taken from the vim25 WSDL
 * (govmomi's generated types list each type's fields in WSDL order). The simulator accepts any
 * order; vCenter does not, so these files are the only proof.
 */
class VimRequestsGoldenTest {
  static final ManagedObjectReference PC =
      new ManagedObjectReference("PropertyCollector", "propertyCollector");
  static final ManagedObjectReference OWN_PC =
      new ManagedObjectReference("PropertyCollector", "session[52]pc-2");
  static final ManagedObjectReference SESSIONS =
      new ManagedObjectReference("SessionManager", "SessionManager");
  static final ManagedObjectReference VIEW =
      new ManagedObjectReference("ContainerView", "session[52]view-1");
  static final ManagedObjectReference ROOT = new ManagedObjectReference("Folder", "group-d1");
  static final ManagedObjectReference VM = new ManagedObjectReference("VirtualMachine", "vm-42");
  static final ManagedObjectReference SNAPSHOT =
      new ManagedObjectReference("VirtualMachineSnapshot", "snapshot-77");
  static final ManagedObjectReference SEARCH =
      new ManagedObjectReference("SearchIndex", "SearchIndex");
  static final ManagedObjectReference AUTHORIZATION =
      new ManagedObjectReference("AuthorizationManager", "AuthorizationManager");

  @Test
  void session() {
    assertMatches(VimRequests.retrieveServiceContent(), "vim/RetrieveServiceContent.xml");
    assertMatches(VimRequests.login(SESSIONS, "backup@vsphere.local", "p<a&ss\""), "vim/Login.xml");
    assertMatches(VimRequests.logout(SESSIONS), "vim/Logout.xml");
  }

  @Test
  void retrievePropertiesThroughAContainerView() {
    PropertyFilterSpec spec =
        new PropertyFilterSpec(
            List.of(
                PropertySpec.of("VirtualMachine", List.of("name", "config.hardware.device")),
                PropertySpec.of("Datastore", List.of("summary"))),
            List.of(
                new ObjectSpec(
                    VIEW,
                    true,
                    List.of(
                        new SelectionSpec.TraversalSpec(
                            "view", "ContainerView", "view", false, List.of())))));
    assertMatches(
        VimRequests.retrievePropertiesEx(PC, List.of(spec), 500), "vim/RetrievePropertiesEx.xml");
  }

  @Test
  void retrievePropertiesWithARecursiveTraversal() {
    PropertyFilterSpec spec =
        new PropertyFilterSpec(
            List.of(new PropertySpec("Folder", true, List.of())),
            List.of(
                new ObjectSpec(
                    ROOT,
                    false,
                    List.of(
                        new SelectionSpec.TraversalSpec(
                            "folderChildren",
                            "Folder",
                            "childEntity",
                            false,
                            List.of(new SelectionSpec.Reference("folderChildren")))))));
    assertMatches(
        VimRequests.retrievePropertiesEx(PC, List.of(spec), null),
        "vim/RetrievePropertiesEx-recursive.xml");
  }

  @Test
  void paging() {
    assertMatches(
        VimRequests.continueRetrievePropertiesEx(PC, "token-1"),
        "vim/ContinueRetrievePropertiesEx.xml");
    assertMatches(
        VimRequests.cancelRetrievePropertiesEx(PC, "token-1"),
        "vim/CancelRetrievePropertiesEx.xml");
  }

  @Test
  void waitingForUpdates() {
    assertMatches(VimRequests.createPropertyCollector(PC), "vim/CreatePropertyCollector.xml");
    assertMatches(VimRequests.destroyPropertyCollector(OWN_PC), "vim/DestroyPropertyCollector.xml");
    PropertyFilterSpec spec =
        new PropertyFilterSpec(
            List.of(PropertySpec.of("Task", List.of("info"))),
            List.of(ObjectSpec.of(new ManagedObjectReference("Task", "task-7"))));
    assertMatches(VimRequests.createFilter(OWN_PC, spec, false), "vim/CreateFilter.xml");
    assertMatches(
        VimRequests.destroyPropertyFilter(
            new ManagedObjectReference("PropertyFilter", "session[52]filter-3")),
        "vim/DestroyPropertyFilter.xml");
    assertMatches(VimRequests.waitForUpdatesEx(OWN_PC, null, 60), "vim/WaitForUpdatesEx-first.xml");
    assertMatches(VimRequests.waitForUpdatesEx(OWN_PC, "3", 60), "vim/WaitForUpdatesEx.xml");
  }

  @Test
  void views() {
    assertMatches(
        VimRequests.createContainerView(
            new ManagedObjectReference("ViewManager", "ViewManager"),
            ROOT,
            List.of("VirtualMachine", "HostSystem"),
            true),
        "vim/CreateContainerView.xml");
    assertMatches(VimRequests.destroyView(VIEW), "vim/DestroyView.xml");
  }

  @Test
  void search() {
    assertMatches(
        VimRequests.findByInventoryPath(SEARCH, "DC1/vm/Prod/web-01"),
        "vim/FindByInventoryPath.xml");
    assertMatches(
        VimRequests.findByUuid(
            SEARCH,
            new ManagedObjectReference("Datacenter", "datacenter-2"),
            "5012a3b4-0000-1111-2222-333344445555",
            true,
            true),
        "vim/FindByUuid.xml");
  }

  @Test
  void reconfigure() {
    assertMatches(
        VimRequests.reconfigVm(VM, VmConfigSpec.changeTracking(true)),
        "vim/ReconfigVM_Task-changeTracking.xml");
    VirtualDeviceSpec.Disk disk =
        new VirtualDeviceSpec.Disk(
            2000,
            1000,
            0,
            20L << 30,
            "[ds1] web-01/web-01.vmdk",
            new ManagedObjectReference("Datastore", "datastore-11"),
            "persistent",
            true,
            null,
            "Hard disk 1");
    assertMatches(
        VimRequests.reconfigVm(VM, VmConfigSpec.devices(List.of(DeviceChange.edit(disk)))),
        "vim/ReconfigVM_Task-diskEdit.xml");
  }

  @Test
  void snapshots() {
    assertMatches(
        VimRequests.createSnapshot(VM, "cairn-20261125T014500Z-1a2b", "Cairn backup", false, true),
        "vim/CreateSnapshot_Task.xml");
    assertMatches(VimRequests.removeSnapshot(SNAPSHOT, false, true), "vim/RemoveSnapshot_Task.xml");
    assertMatches(VimRequests.revertToSnapshot(SNAPSHOT, true), "vim/RevertToSnapshot_Task.xml");
    assertMatches(
        VimRequests.queryChangedDiskAreas(
            VM, SNAPSHOT, 2000, 0, "52 1b 2c 3d 4e 5f 60 71-81 92 a3 b4 c5 d6 e7 f8/12"),
        "vim/QueryChangedDiskAreas.xml");
  }

  @Test
  void createVm() {
    VmConfigSpec config =
        new VmConfigSpec(
            "web-01-restored",
            "ubuntu64Guest",
            "[ds1]",
            4,
            2,
            8192L,
            List.of(
                DeviceChange.add(
                    VirtualDeviceSpec.Controller.of("ParaVirtualSCSIController", -100, 0)),
                DeviceChange.add(VirtualDeviceSpec.Controller.of("VirtualNVMEController", -101, 0)),
                DeviceChange.add(VirtualDeviceSpec.Disk.newThin(-200, -100, 0, 10L << 30)),
                DeviceChange.add(
                    new VirtualDeviceSpec.EthernetCard(
                        "VirtualVmxnet3",
                        -300,
                        new NetworkBacking.StandardNetwork(
                            "VM Network", new ManagedObjectReference("Network", "network-15")),
                        "00:50:56:aa:bb:cc",
                        true)),
                DeviceChange.add(
                    new VirtualDeviceSpec.EthernetCard(
                        "VirtualE1000e",
                        -301,
                        new NetworkBacking.DistributedPortgroup("50 12 aa bb", "dvportgroup-20"),
                        null,
                        false))),
            true,
            "efi");
    assertMatches(
        VimRequests.createVm(
            new ManagedObjectReference("Folder", "group-v3"),
            config,
            new ManagedObjectReference("ResourcePool", "resgroup-8"),
            new ManagedObjectReference("HostSystem", "host-9")),
        "vim/CreateVM_Task.xml");
  }

  @Test
  void importLease() {
    VmConfigSpec config =
        new VmConfigSpec(
            "web-01-restored",
            "ubuntu64Guest",
            "[ds1]",
            2,
            null,
            4096L,
            List.of(
                DeviceChange.add(
                    VirtualDeviceSpec.Controller.of("VirtualLsiLogicSASController", -100, 0)),
                DeviceChange.add(VirtualDeviceSpec.Disk.newThin(-200, -100, 0, 1L << 30))),
            null,
            "bios");
    assertMatches(
        VimRequests.importVApp(
            new ManagedObjectReference("ResourcePool", "resgroup-8"),
            config,
            new ManagedObjectReference("Folder", "group-v3"),
            null),
        "vim/ImportVApp.xml");
    ManagedObjectReference lease = new ManagedObjectReference("HttpNfcLease", "session[52]lease-1");
    assertMatches(VimRequests.httpNfcLeaseProgress(lease, 42), "vim/HttpNfcLeaseProgress.xml");
    assertMatches(VimRequests.httpNfcLeaseComplete(lease), "vim/HttpNfcLeaseComplete.xml");
    assertMatches(VimRequests.httpNfcLeaseAbort(lease), "vim/HttpNfcLeaseAbort.xml");
  }

  @Test
  void power() {
    assertMatches(VimRequests.powerOnVm(VM, null), "vim/PowerOnVM_Task.xml");
    assertMatches(VimRequests.powerOffVm(VM), "vim/PowerOffVM_Task.xml");
    assertMatches(VimRequests.destroy(VM), "vim/Destroy_Task.xml");
  }

  @Test
  void privileges() {
    assertMatches(
        VimRequests.hasPrivilegeOnEntity(
            AUTHORIZATION, ROOT, "52f0-session-key", List.of("System.View", "System.Read")),
        "vim/HasPrivilegeOnEntity.xml");
    assertMatches(
        VimRequests.fetchUserPrivilegeOnEntities(
            AUTHORIZATION, List.of(ROOT, VM), "VSPHERE.LOCAL\\backup"),
        "vim/FetchUserPrivilegeOnEntities.xml");
  }

  @Test
  void aReorderedBodyDoesNotMatch() {
    String swapped =
        VimRequests.createSnapshot(VM, "n", null, false, true)
            .replace(
                "<memory>false</memory><quiesce>true</quiesce>",
                "<quiesce>true</quiesce><memory>false</memory>");
    assertThat(swapped).contains("<quiesce>true</quiesce><memory>");
    assertThat(GoldenXml.canonical(swapped))
        .isNotEqualTo(GoldenXml.canonical(VimRequests.createSnapshot(VM, "n", null, false, true)));
    assertThatThrownBy(
            () ->
                assertMatches(
                    VimRequests.removeSnapshot(SNAPSHOT, true, true),
                    "vim/RemoveSnapshot_Task.xml"))
        .isInstanceOf(AssertionError.class);
  }
}
