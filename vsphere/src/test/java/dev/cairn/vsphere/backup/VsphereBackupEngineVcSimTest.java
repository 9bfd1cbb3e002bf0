package dev.cairn.vsphere.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.engine.testing.TestRepository;
import dev.cairn.vsphere.inventory.Inventory;
import dev.cairn.vsphere.inventory.InventoryReader;
import dev.cairn.vsphere.inventory.Vm;
import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.testing.VcSim;
import dev.cairn.vsphere.testing.VcSimBackups;
import dev.cairn.vsphere.testing.VcSimBackups.Run;
import dev.cairn.vsphere.transport.DatastorePath;
import dev.cairn.vsphere.vim.VimClient;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A vSphere VM through the engine: full, incremental of one written block, dropped reads. */
class VsphereBackupEngineVcSimTest {
  static VcSim sim;

  @TempDir Path directory;

  @BeforeAll
  static void start() throws Exception {
    sim = VcSim.start(VcSim.Options.defaults().withDiskMiB(4).withVmsPerPool(5));
  }

  @AfterAll
  static void stop() throws Exception {
    if (sim != null) {
      sim.close();
    }
  }

  private static Run backup(VimClient client, Inventory inventory, Vm vm, TestRepository repo)
      throws Exception {
    return VcSimBackups.backup(client, inventory, vm, repo);
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

  private static Path flatOf(Vm vm) {
    DatastorePath descriptor = DatastorePath.parse(vm.disks().getFirst().fileName());
    return sim.datastoreDirectory(descriptor.datastore())
        .resolve(descriptor.path().replace(".vmdk", "-flat.vmdk"));
  }

  private static void write(Path flat, long offset, int length, long seed) throws Exception {
    byte[] data = new byte[length];
    new Random(seed).nextBytes(data);
    try (FileChannel channel = FileChannel.open(flat, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(data), offset);
    }
  }

  @Test
  void fullAndIncrementalRestoreTheGuestBytesAndTheIncrementalReadsOnlyTheChange()
      throws Exception {
    TestRepository repo = TestRepository.create();
    try (VimClient client = connect()) {
      Inventory inventory = new InventoryReader(client).read(null);
      Vm vm = inventory.vms().getFirst();
      Path flat = flatOf(vm);
      write(flat, 0, 1 << 20, 1);
      write(flat, 3L << 20, 1 << 19, 2);

      Run full = backup(client, inventory, vm, repo);
      assertThat(full.point().configuration().hypervisor()).isEqualTo("vsphere");
      assertThat(Files.mismatch(repo.restore(full.point(), 0, directory), flat)).isEqualTo(-1);

      write(flat, 2L << 20, 65536, 3);
      Run incremental = backup(client, inventory, vm, repo);
      assertThat(incremental.point().statistics().incremental()).isTrue();
      assertThat(incremental.point().statistics().bytesRead()).isEqualTo(65536);
      assertThat(Files.mismatch(repo.restore(incremental.point(), 0, directory), flat))
          .isEqualTo(-1);
      assertThat(VsphereBackupSession.cairnSnapshots(client, vm.ref())).isEmpty();
    }
  }

  @Test
  void aConnectionDroppedOnEveryAttemptCommitsNothingAndRemovesTheSnapshot() throws Exception {
    TestRepository repo = TestRepository.create();
    try (VimClient client = connect()) {
      Inventory inventory = new InventoryReader(client).read(null);
      Vm vm = inventory.vms().get(1);
      write(flatOf(vm), 0, 1 << 20, 4);
      sim.setFaults(VcSim.Faults.none().dropDatastoreGet(4096, 0, "-flat.vmdk"));
      try {
        assertThatThrownBy(() -> backup(client, inventory, vm, repo))
            .isInstanceOf(java.io.IOException.class);
      } finally {
        sim.clearFaults();
      }
      assertThat(VsphereBackupSession.cairnSnapshots(client, vm.ref())).isEmpty();
      assertThat(repo.points()).isEmpty();
      repo.assertSound();
    }
  }

  @Test
  void aConnectionDroppedOnceIsRetriedAndTheBackupRestores() throws Exception {
    TestRepository repo = TestRepository.create();
    try (VimClient client = connect()) {
      Inventory inventory = new InventoryReader(client).read(null);
      Vm vm = inventory.vms().get(1);
      Path flat = flatOf(vm);
      write(flat, 0, 1 << 20, 5);
      sim.setFaults(VcSim.Faults.none().dropDatastoreGet(4096, 1, "-flat.vmdk"));
      Run run;
      try {
        run = backup(client, inventory, vm, repo);
      } finally {
        sim.clearFaults();
      }
      assertThat(Files.mismatch(repo.restore(run.point(), 0, directory), flat)).isEqualTo(-1);
      assertThat(VsphereBackupSession.cairnSnapshots(client, vm.ref())).isEmpty();
    }
  }

  @Test
  void changeTrackingToggledBetweenBackupsMakesAFullWithAWarning() throws Exception {
    TestRepository repo = TestRepository.create();
    try (VimClient client = connect()) {
      Inventory inventory = new InventoryReader(client).read(null);
      Vm vm = inventory.vms().get(2);
      Path flat = flatOf(vm);
      write(flat, 0, 1 << 20, 6);
      backup(client, inventory, vm, repo);
      client.waitForTask(
          client.reconfigVm(vm.ref(), dev.cairn.vsphere.vim.VmConfigSpec.changeTracking(false)));
      client.waitForTask(
          client.reconfigVm(vm.ref(), dev.cairn.vsphere.vim.VmConfigSpec.changeTracking(true)));
      write(flat, 2L << 20, 65536, 7);
      Run after = backup(client, inventory, vm, repo);
      assertThat(after.point().statistics().incremental()).isFalse();
      assertThat(after.warnings()).isNotEmpty();
      assertThat(Files.mismatch(repo.restore(after.point(), 0, directory), flat)).isEqualTo(-1);
    }
  }

  @Test
  void aGrownDiskIsReadInFullWithTheReason() throws Exception {
    TestRepository repo = TestRepository.create();
    try (VimClient client = connect()) {
      Inventory inventory = new InventoryReader(client).read(null);
      Vm vm = inventory.vms().get(3);
      Path flat = flatOf(vm);
      write(flat, 0, 1 << 20, 8);
      backup(client, inventory, vm, repo);

      var disk = vm.disks().getFirst();
      client.waitForTask(
          client.reconfigVm(
              vm.ref(),
              dev.cairn.vsphere.vim.VmConfigSpec.devices(
                  List.of(
                      dev.cairn.vsphere.vim.VmConfigSpec.DeviceChange.edit(
                          dev.cairn.vsphere.vim.VirtualDeviceSpec.Disk.resized(
                              disk.key(),
                              disk.controllerKey(),
                              disk.unitNumber(),
                              disk.fileName(),
                              "persistent",
                              disk.label(),
                              6L << 20))))));
      write(flat, 5L << 20, 65536, 9);
      Inventory grown = new InventoryReader(client).read(null);
      Run after = backup(client, grown, grown.vm(vm.name()).orElseThrow(), repo);

      assertThat(after.point().statistics().incremental()).isFalse();
      assertThat(after.point().disks().getFirst().sizeBytes()).isEqualTo(6L << 20);
      assertThat(after.warnings())
          .anySatisfy(w -> assertThat(w).contains("read in full", "resized from 4194304"));
      assertThat(Files.mismatch(repo.restore(after.point(), 0, directory), flat)).isEqualTo(-1);
    }
  }

  @Test
  void aVmRevertedToAnOlderSnapshotIsReadInFullNotAsAnIncrementalWithHoles() throws Exception {
    TestRepository repo = TestRepository.create();
    try (VimClient client = connect()) {
      Inventory inventory = new InventoryReader(client).read(null);
      Vm vm = inventory.vms().get(4);
      Path flat = flatOf(vm);
      write(flat, 0, 1 << 20, 10);
      backup(client, inventory, vm, repo);
      var before =
          client
              .waitForTask(client.createSnapshot(vm.ref(), "before-upgrade", "", false, false))
              .resultReference()
              .orElseThrow();
      write(flat, 2L << 20, 1 << 20, 11);
      Run changed = backup(client, inventory, vm, repo);
      assertThat(changed.point().statistics().incremental()).isTrue();

      client.waitForTask(client.revertToSnapshot(before, true));
      Run reverted = backup(client, inventory, vm, repo);

      assertThat(reverted.point().statistics().incremental()).isFalse();
      assertThat(reverted.warnings()).anySatisfy(w -> assertThat(w).contains("read in full"));
      // The guest's disk is the snapshot's again: the write at 2 MiB is gone.
      Path restored = repo.restore(reverted.point(), 0, directory);
      assertThat(Files.mismatch(restored, flat)).isEqualTo(-1);
      assertThat(Files.mismatch(restored, repo.restore(changed.point(), 0, directory)))
          .isNotEqualTo(-1);
    }
  }
}
