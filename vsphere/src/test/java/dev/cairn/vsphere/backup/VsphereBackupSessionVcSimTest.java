package dev.cairn.vsphere.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.engine.source.DiskSource;
import dev.cairn.vsphere.inventory.Inventory;
import dev.cairn.vsphere.inventory.InventoryReader;
import dev.cairn.vsphere.inventory.Vm;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.testing.VcSim;
import dev.cairn.vsphere.transport.DatastoreHttp;
import dev.cairn.vsphere.transport.DatastorePath;
import dev.cairn.vsphere.vim.VimClient;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The vSphere side of a backup against the simulator: snapshots, CBT and planned areas. */
class VsphereBackupSessionVcSimTest {
  static VcSim sim;

  @BeforeAll
  static void start() throws Exception {
    sim = VcSim.start(VcSim.Options.defaults().withVmsPerPool(4));
  }

  @AfterAll
  static void stop() throws Exception {
    if (sim != null) {
      sim.close();
    }
  }

  private static VimClient connect() throws Exception {
    VimClient client =
        VimClient.connect(
            sim.url(),
            new TrustOptions.PinnedThumbprint(sim.thumbprint()),
            SoapOptions.defaults(),
            w -> {});
    client.login(sim.user(), sim.password());
    return client;
  }

  private static VsphereBackupSession.Previous previousOf(
      VsphereBackupSession session, String label) {
    Map<Integer, TrackedDisk> disks = new HashMap<>();
    for (VsphereBackupSession.SnapshotDisk disk : session.disks()) {
      Map<String, String> tracking = disk.changeTracking();
      int key = Integer.parseInt(tracking.get("vsphere.deviceKey"));
      disks.put(
          key,
          new TrackedDisk(
              key,
              Optional.ofNullable(tracking.get("vsphere.diskUuid")),
              disk.disk().capacityBytes(),
              Optional.ofNullable(tracking.get("vsphere.changeId")).flatMap(ChangeId::parse)));
    }
    return new VsphereBackupSession.Previous(Optional.of(label), Optional.of(label), disks);
  }

  @Test
  void fullThenIncrementalListsOnlyTheChangedBlockAndRemovesEverySnapshot() throws Exception {
    try (VimClient client = connect()) {
      Inventory inventory = new InventoryReader(client).read(null);
      Vm vm = inventory.vms().get(1);
      ManagedObjectReference ref = vm.ref();
      List<String> warnings = new ArrayList<>();
      VsphereBackupSession.Previous previous;
      try (VsphereBackupSession first =
          VsphereBackupSession.open(
              client,
              ref,
              vm.instanceUuid(),
              new VsphereBackupSession.Options(false, false),
              VsphereBackupSession.Previous.none(),
              Clock.systemUTC(),
              warnings::add)) {
        assertThat(first.disks()).isNotEmpty();
        assertThat(first.disks())
            .allSatisfy(disk -> assertThat(disk.plan()).isInstanceOf(DiskReadPlan.Full.class));
        assertThat(first.disks().getFirst().changeTracking())
            .containsKeys("vsphere.changeId", "vsphere.deviceKey", "vsphere.vmInstanceUuid");
        first.confirmSnapshot();
        var configuration = first.configuration(vm);
        assertThat(configuration.hypervisor()).isEqualTo("vsphere");
        assertThat(configuration.cpus()).isEqualTo(vm.cpus());
        assertThat(configuration.memoryMiB()).isEqualTo(vm.memoryMb());
        assertThat(configuration.disks()).hasSameSizeAs(first.disks());
        assertThat(configuration.disks().getFirst().backingFile())
            .isEqualTo(vm.disks().getFirst().fileName());
        previous = previousOf(first, "p1");
      }
      assertThat(VsphereBackupSession.cairnSnapshots(client, ref)).isEmpty();

      // The guest writes one 64 KiB block at 1 MiB.
      DatastorePath descriptor = DatastorePath.parse(vm.disks().getFirst().fileName());
      Path flat =
          sim.datastoreDirectory(descriptor.datastore())
              .resolve(descriptor.path().replace(".vmdk", "-flat.vmdk"));
      byte[] block = new byte[65536];
      new Random(7).nextBytes(block);
      try (FileChannel channel = FileChannel.open(flat, StandardOpenOption.WRITE)) {
        channel.write(ByteBuffer.wrap(block), 1 << 20);
      }

      warnings.clear();
      try (VsphereBackupSession second =
          VsphereBackupSession.open(
              client,
              ref,
              vm.instanceUuid(),
              new VsphereBackupSession.Options(false, false),
              previous,
              Clock.systemUTC(),
              warnings::add)) {
        VsphereBackupSession.SnapshotDisk disk = second.disks().getFirst();
        // The snapshot's flat file holds the guest's write, read through the https transport.
        DatastoreHttp http =
            new DatastoreHttp(
                client.transport().httpClient(),
                client.transport().server(),
                inventory.datacenterOf(vm).orElseThrow().path(),
                client.transport()::authenticate,
                Duration.ofSeconds(30));
        DiskSource source = second.httpsSources(http).getFirst();
        byte[] read = new byte[block.length];
        source.read(1 << 20, read, 0, read.length);
        assertThat(read).isEqualTo(block);
        source.confirmPointInTime();
        assertThat(disk.plan()).isInstanceOf(DiskReadPlan.Incremental.class);
        assertThat(disk.changedAreas().orElseThrow())
            .anySatisfy(
                area ->
                    assertThat(
                            area.offset() <= (1 << 20)
                                && area.offset() + area.length() >= (1 << 20) + 65536)
                        .isTrue());
      }
      assertThat(VsphereBackupSession.cairnSnapshots(client, ref)).isEmpty();

      // A CBT reset makes the next backup full with a warning.
      warnings.clear();
      try (VsphereBackupSession reset =
          VsphereBackupSession.open(
              client,
              ref,
              vm.instanceUuid(),
              new VsphereBackupSession.Options(false, true),
              previous,
              Clock.systemUTC(),
              warnings::add)) {
        assertThat(reset.disks())
            .allSatisfy(disk -> assertThat(disk.plan()).isInstanceOf(DiskReadPlan.Full.class));
      }
      assertThat(warnings).anySatisfy(w -> assertThat(w).contains("reset"));
    }
  }

  @Test
  void findsAVmByNamePathAndUuidAndNamesAMissingOne() throws Exception {
    try (VimClient client = connect()) {
      Vm vm = new InventoryReader(client).read(null).vms().getFirst();
      assertThat(VmLookup.find(client, vm.name())).isEqualTo(vm.ref());
      assertThat(VmLookup.find(client, vm.instanceUuid())).isEqualTo(vm.ref());
      assertThatThrownBy(() -> VmLookup.find(client, "no-such-vm"))
          .isInstanceOf(VmLookup.VmNotFoundException.class)
          .hasMessage("No VM is named no-such-vm");
      assertThatThrownBy(() -> VmLookup.find(client, "DC0/vm/no-such-vm"))
          .isInstanceOf(VmLookup.VmNotFoundException.class);
    }
  }

  @Test
  void aDeniedPrivilegeIsNamedBeforeAnythingChanges() throws Exception {
    try (VimClient client = connect()) {
      Vm vm = new InventoryReader(client).read(null).vms().getFirst();
      VsphereBackupSession.requirePrivileges(client, vm);
      sim.setFaults(VcSim.Faults.none().deny("VirtualMachine.State.CreateSnapshot"));
      try {
        assertThatThrownBy(() -> VsphereBackupSession.requirePrivileges(client, vm))
            .hasMessageContaining("VirtualMachine.State.CreateSnapshot");
      } finally {
        sim.clearFaults();
      }
    }
  }

  @Test
  void aLeftoverCairnSnapshotIsRemovedWithAWarning() throws Exception {
    try (VimClient client = connect()) {
      Vm vm = new InventoryReader(client).read(null).vms().get(2);
      client.waitForTask(client.createSnapshot(vm.ref(), "cairn-killed-run", "", false, false));
      List<String> warnings = new ArrayList<>();
      try (VsphereBackupSession session =
          VsphereBackupSession.open(
              client,
              vm.ref(),
              vm.instanceUuid(),
              new VsphereBackupSession.Options(false, false),
              VsphereBackupSession.Previous.none(),
              Clock.systemUTC(),
              warnings::add)) {
        assertThat(VsphereBackupSession.cairnSnapshots(client, vm.ref()))
            .containsExactly(session.snapshotName());
      }
      assertThat(warnings).anySatisfy(w -> assertThat(w).contains("cairn-killed-run"));
      assertThat(VsphereBackupSession.cairnSnapshots(client, vm.ref())).isEmpty();
    }
  }

  @Test
  void aFailedSnapshotLeavesNoSnapshotBehind() throws Exception {
    try (VimClient client = connect()) {
      Vm vm = new InventoryReader(client).read(null).vms().get(3);
      sim.setFaults(VcSim.Faults.none().failCreateSnapshot("disk locked", 5));
      try {
        assertThatThrownBy(
                () ->
                    VsphereBackupSession.open(
                        client,
                        vm.ref(),
                        vm.instanceUuid(),
                        new VsphereBackupSession.Options(false, false),
                        VsphereBackupSession.Previous.none(),
                        Clock.systemUTC(),
                        w -> {}))
            .hasMessageContaining("disk locked");
      } finally {
        sim.clearFaults();
      }
      assertThat(VsphereBackupSession.cairnSnapshots(client, vm.ref())).isEmpty();
    }
  }
}
