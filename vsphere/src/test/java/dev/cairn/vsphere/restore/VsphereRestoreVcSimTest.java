package dev.cairn.vsphere.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.vsphere.inventory.Inventory;
import dev.cairn.vsphere.inventory.InventoryReader;
import dev.cairn.vsphere.inventory.Vm;
import dev.cairn.vsphere.inventory.VmDisk;
import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.testing.VcSim;
import dev.cairn.vsphere.testing.VcSimBackups;
import dev.cairn.vsphere.transport.DatastorePath;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A vSphere backup restored through the simulator: as a new VM through the import lease (the
 * hardware comes back, every byte of the disk is equal, holes stay holes, a failed restore leaves
 * no VM), and as one disk onto an existing powered-off VM (bytes equal, CBT reset, nothing written
 * when the repository is damaged or the VM is not a valid target).
 */
class VsphereRestoreVcSimTest {
  static VcSim sim;
  static TestRepository repo;
  static RestorePoint point;
  static Vm original;

  @BeforeAll
  static void backUpOneVm() throws Exception {
    sim = VcSim.start(VcSim.Options.defaults().withDiskMiB(8).withVmsPerPool(5));
    repo = TestRepository.create();
    try (VimClient client = connect()) {
      Inventory inventory = new InventoryReader(client).read(null);
      original = inventory.vms().getFirst();
      Path flat = flatOf(original.disks().getFirst());
      write(flat, 0, 1 << 20, 1);
      write(flat, 5L << 20, 200_000, 2);
      point = VcSimBackups.backup(client, inventory, original, repo).point();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (sim != null) {
      sim.close();
    }
  }

  private static VimClient connect() throws IOException {
    VimClient client =
        VimClient.connect(
            sim.url(),
            new TrustOptions.PinnedThumbprint(sim.thumbprint()),
            SoapOptions.defaults(),
            w -> {});
    client.login(sim.user(), sim.password());
    return client;
  }

  private static Path flatOf(VmDisk disk) {
    DatastorePath descriptor = DatastorePath.parse(disk.fileName());
    return sim.datastoreDirectory(descriptor.datastore())
        .resolve(descriptor.path().replace(".vmdk", "-flat.vmdk"));
  }

  private static void write(Path flat, long offset, int length, long seed) throws IOException {
    byte[] data = new byte[length];
    new Random(seed).nextBytes(data);
    try (FileChannel channel = FileChannel.open(flat, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(data), offset);
    }
  }

  private static NewVmRequest request(String name) {
    return new NewVmRequest(name, "LocalDS_0", null, null, null, Map.of(), false, false);
  }

  private static NewVmRestore restorer(VimClient client, List<String> warnings) {
    return new NewVmRestore(client, repo.repository, 2, ProgressListener.NONE, warnings::add);
  }

  private static List<String> vmNames(VimClient client) throws IOException {
    return new InventoryReader(client).read(null).vms().stream().map(Vm::name).toList();
  }

  @Test
  void thePointComesBackAsANewVmWithItsHardwareAndEveryByte() throws Exception {
    try (VimClient client = connect()) {
      List<String> warnings = new ArrayList<>();
      NewVmRestore.Result result =
          restorer(client, warnings).restore(point, request("restored-copy"));

      Vm restored =
          new InventoryReader(client)
              .read(null)
              .vm("restored-copy")
              .orElseThrow(() -> new AssertionError("no VM restored-copy"));
      assertThat(restored.ref()).isEqualTo(result.vm());
      assertThat(restored.cpus()).isEqualTo(original.cpus());
      assertThat(restored.memoryMb()).isEqualTo(original.memoryMb());
      assertThat(restored.guestId()).isEqualTo(original.guestId());
      assertThat(restored.powerState()).isEqualTo("poweredOff");
      assertThat(restored.instanceUuid()).isNotEqualTo(original.instanceUuid());
      assertThat(restored.controllers().stream().map(c -> c.type()))
          .containsAll(original.controllers().stream().map(c -> c.type()).toList());
      assertThat(restored.nics().stream().map(n -> n.networkName()))
          .containsExactlyElementsOf(original.nics().stream().map(n -> n.networkName()).toList());
      assertThat(restored.disks()).hasSize(1);
      VmDisk disk = restored.disks().getFirst();
      VmDisk was = original.disks().getFirst();
      assertThat(disk.capacityBytes()).isEqualTo(was.capacityBytes());
      assertThat(disk.thin()).isEqualTo(was.thin());
      assertThat(disk.unitNumber()).isEqualTo(was.unitNumber());

      Path restoredFlat = flatOf(disk);
      assertThat(Files.mismatch(restoredFlat, flatOf(was))).isEqualTo(-1);
      assertThat(Files.size(restoredFlat)).isEqualTo(was.capacityBytes());
      // 1.2 MiB of data in 8 MiB: the holes were not written.
      assertThat(TestRepository.allocatedBytes(restoredFlat)).isLessThan(4L << 20);
      assertThat(result.disks().getFirst().dataGrains()).isLessThan(64);
      assertThat(result.uploadedBytes()).isGreaterThan(1L << 20);
    }
  }

  @Test
  void aWrongPlacementFailsBeforeAnythingIsCreated() throws Exception {
    try (VimClient client = connect()) {
      List<String> before = vmNames(client);
      NewVmRestore restore = restorer(client, new ArrayList<>());

      assertThatThrownBy(
              () ->
                  restore.restore(
                      point,
                      new NewVmRequest("x", "NoSuchDS", null, null, null, Map.of(), false, false)))
          .isInstanceOf(PlacementException.class)
          .hasMessageContaining("no datastore NoSuchDS")
          .hasMessageContaining("LocalDS_0");
      assertThatThrownBy(() -> restore.restore(point, request(original.name())))
          .isInstanceOf(PlacementException.class)
          .hasMessageContaining("already has a VM of that name");
      String network = point.configuration().nics().getFirst().network();
      assertThatThrownBy(
              () ->
                  restore.restore(
                      point,
                      new NewVmRequest(
                          "y",
                          "LocalDS_0",
                          null,
                          null,
                          null,
                          Map.of(network, "NoSuchNet"),
                          false,
                          false)))
          .isInstanceOf(PlacementException.class)
          .hasMessageContaining("no network NoSuchNet")
          .hasMessageContaining("--network NoSuchNet=OTHER");
      assertThatThrownBy(
              () ->
                  restore.restore(
                      point,
                      new NewVmRequest(
                          "z", "LocalDS_0", "NoSuchHost", null, null, Map.of(), false, false)))
          .isInstanceOf(PlacementException.class)
          .hasMessageContaining("no host NoSuchHost");
      assertThat(vmNames(client)).containsExactlyInAnyOrderElementsOf(before);
    }
  }

  @Test
  void aDamagedChunkFailsTheRestoreAndLeavesNoVm() throws Exception {
    try (VimClient client = connect()) {
      TestRepository damaged = repo.reopen();
      damaged.store.corruptReads(
          "packs/data/",
          bytes -> {
            bytes[bytes.length / 2] ^= 0x40;
            return bytes;
          });
      List<String> warnings = new ArrayList<>();
      NewVmRestore restore =
          new NewVmRestore(client, damaged.repository, 2, ProgressListener.NONE, warnings::add);
      assertThatThrownBy(() -> restore.restore(point, request("damaged-copy")))
          .isInstanceOf(dev.cairn.repository.CairnException.class)
          .hasMessageContaining("fails authentication");
      assertThat(vmNames(client)).doesNotContain("damaged-copy");
      assertThat(warnings).isEmpty();
    }
  }

  @Test
  void powerOnStartsTheRestoredVm() throws Exception {
    try (VimClient client = connect()) {
      NewVmRestore.Result result =
          restorer(client, new ArrayList<>())
              .restore(
                  point,
                  new NewVmRequest(
                      "started-copy", "LocalDS_0", null, null, null, Map.of(), true, false));
      assertThat(result.poweredOn()).isTrue();
      assertThat(
              new InventoryReader(client).read(null).vm("started-copy").orElseThrow().powerState())
          .isEqualTo("poweredOn");
    }
  }

  private static Vm vm(VimClient client, int index) throws IOException {
    return new InventoryReader(client)
        .read(null).vms().stream()
            .filter(v -> v.name().endsWith("_VM" + index))
            .findFirst()
            .orElseThrow();
  }

  private static void powerOff(VimClient client, Vm vm) throws IOException {
    if (!"poweredOff".equals(vm.powerState())) {
      client.waitForTask(client.powerOffVm(vm.ref()));
    }
  }

  private static DiskOntoVmRestore diskRestorer(VimClient client, TestRepository from) {
    return new DiskOntoVmRestore(client, from.repository, ProgressListener.NONE, w -> {});
  }

  @Test
  void aDiskRestoredOntoAPoweredOffVmHoldsThePointsBytesAndItsCbtIsReset() throws Exception {
    try (VimClient client = connect()) {
      Vm target = vm(client, 1);
      powerOff(client, target);
      client.waitForTask(
          client.reconfigVm(target.ref(), dev.cairn.vsphere.vim.VmConfigSpec.changeTracking(true)));
      String changeIdBefore = vm(client, 1).disks().getFirst().changeId();
      assertThat(changeIdBefore).isNotEmpty();

      DiskOntoVmRestore.Result result =
          diskRestorer(client, repo).restore(point, 0, target.name(), null);

      Path flat = flatOf(target.disks().getFirst());
      assertThat(Files.mismatch(flat, flatOf(original.disks().getFirst()))).isEqualTo(-1);
      assertThat(result.bytes()).isEqualTo(original.disks().getFirst().capacityBytes());
      assertThat(result.changeTrackingReset()).isTrue();
      String changeIdAfter = vm(client, 1).disks().getFirst().changeId();
      assertThat(epoch(changeIdAfter)).isNotEqualTo(epoch(changeIdBefore));
    }
  }

  private static String epoch(String changeId) {
    return changeId.substring(0, changeId.lastIndexOf('/'));
  }

  @Test
  void aTargetDiskSmallerThanTheRestoredDiskIsRefusedAndABiggerOneZeroedBeyond() throws Exception {
    try (VimClient client = connect()) {
      Vm target = vm(client, 2);
      powerOff(client, target);
      VmDisk disk = target.disks().getFirst();
      client.waitForTask(
          client.reconfigVm(
              target.ref(),
              dev.cairn.vsphere.vim.VmConfigSpec.devices(
                  List.of(
                      dev.cairn.vsphere.vim.VmConfigSpec.DeviceChange.add(
                          dev.cairn.vsphere.vim.VirtualDeviceSpec.Disk.newThin(
                              -1, disk.controllerKey(), disk.unitNumber() + 1, 1L << 20)),
                      dev.cairn.vsphere.vim.VmConfigSpec.DeviceChange.add(
                          dev.cairn.vsphere.vim.VirtualDeviceSpec.Disk.newThin(
                              -2, disk.controllerKey(), disk.unitNumber() + 2, 12L << 20))))));
      Vm withThree = vm(client, 2);
      VmDisk small =
          withThree.disks().stream()
              .filter(d -> d.capacityBytes() == 1L << 20)
              .findFirst()
              .orElseThrow();
      VmDisk big =
          withThree.disks().stream()
              .filter(d -> d.capacityBytes() == 12L << 20)
              .findFirst()
              .orElseThrow();
      Path bigFlat = flatOf(big);
      write(bigFlat, 10L << 20, 65536, 11);

      assertThatThrownBy(
              () -> diskRestorer(client, repo).restore(point, 0, withThree.name(), small.key()))
          .isInstanceOf(PlacementException.class)
          .hasMessageContaining("extend it first");

      List<String> warnings = new ArrayList<>();
      new DiskOntoVmRestore(client, repo.repository, ProgressListener.NONE, warnings::add)
          .restore(point, 0, withThree.name(), big.key());
      Path originalFlat = flatOf(original.disks().getFirst());
      long size = Files.size(originalFlat);
      assertThat(Files.size(bigFlat)).isEqualTo(12L << 20);
      byte[] restored = Files.readAllBytes(bigFlat);
      assertThat(java.util.Arrays.copyOf(restored, (int) size))
          .isEqualTo(Files.readAllBytes(originalFlat));
      assertThat(java.util.Arrays.copyOfRange(restored, (int) size, restored.length))
          .containsOnly((byte) 0);
      assertThat(warnings).anySatisfy(w -> assertThat(w).contains("are zeroed"));
    }
  }

  @Test
  void aRunningVmAVmWithSnapshotsOrADamagedRepositoryLeaveTheDiskUntouched() throws Exception {
    try (VimClient client = connect()) {
      Vm target = vm(client, 3);
      Path flat = flatOf(target.disks().getFirst());
      write(flat, 0, 65536, 9);
      byte[] before = Files.readAllBytes(flat);
      if (!"poweredOn".equals(target.powerState())) {
        client.waitForTask(client.powerOnVm(target.ref(), null));
      }
      assertThatThrownBy(() -> diskRestorer(client, repo).restore(point, 0, target.name(), null))
          .isInstanceOf(PlacementException.class)
          .hasMessageContaining("power it off first");

      client.waitForTask(client.powerOffVm(target.ref()));
      client.waitForTask(client.createSnapshot(target.ref(), "keep", "", false, false));
      assertThatThrownBy(() -> diskRestorer(client, repo).restore(point, 0, target.name(), null))
          .isInstanceOf(PlacementException.class)
          .hasMessageContaining("has snapshots");

      Vm plain = vm(client, 4);
      powerOff(client, plain);
      Path plainFlat = flatOf(plain.disks().getFirst());
      write(plainFlat, 0, 65536, 10);
      byte[] plainBefore = Files.readAllBytes(plainFlat);
      TestRepository damaged = repo.reopen();
      damaged.store.corruptReads(
          "packs/data/",
          bytes -> {
            bytes[bytes.length / 2] ^= 0x40;
            return bytes;
          });
      assertThatThrownBy(() -> diskRestorer(client, damaged).restore(point, 0, plain.name(), null))
          .isInstanceOf(dev.cairn.repository.CairnException.class)
          .hasMessageContaining("fails authentication");
      assertThatThrownBy(() -> diskRestorer(client, repo).restore(point, 0, plain.name(), 4242))
          .isInstanceOf(PlacementException.class)
          .hasMessageContaining("has no disk 4242");

      assertThat(Files.readAllBytes(flat)).isEqualTo(before);
      assertThat(Files.readAllBytes(plainFlat)).isEqualTo(plainBefore);
    }
  }

  @Test
  void anUploadCutMidwayAbortsTheLeaseAndLeavesNoVm() throws Exception {
    try (VimClient client = connect()) {
      sim.setFaults(VcSim.Faults.none().dropNfcUpload(100_000, 1));
      try {
        assertThatThrownBy(
                () -> restorer(client, new ArrayList<>()).restore(point, request("cut-copy")))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("Cannot upload disk 0");
      } finally {
        sim.clearFaults();
      }
      assertThat(vmNames(client)).doesNotContain("cut-copy");
      assertThat(leftoverFiles("cut-copy")).isEmpty();
    }
  }

  @Test
  void aRefusedImportOrAMissingPrivilegeCreatesNothing() throws Exception {
    try (VimClient client = connect()) {
      List<String> before = vmNames(client);
      sim.setFaults(VcSim.Faults.none().failImportVApp("Host is in maintenance mode", 1));
      try {
        assertThatThrownBy(
                () -> restorer(client, new ArrayList<>()).restore(point, request("refused-copy")))
            .isInstanceOf(dev.cairn.vsphere.soap.VimFault.class)
            .hasMessageContaining("maintenance mode");
        sim.setFaults(VcSim.Faults.none().deny("VApp.Import"));
        assertThatThrownBy(
                () -> restorer(client, new ArrayList<>()).restore(point, request("denied-copy")))
            .isInstanceOf(dev.cairn.vsphere.access.MissingPrivilegesException.class)
            .hasMessageContaining("VApp.Import");
      } finally {
        sim.clearFaults();
      }
      assertThat(vmNames(client)).containsExactlyInAnyOrderElementsOf(before);
    }
  }

  @Test
  void cancellingMidUploadRemovesTheHalfMadeVm() throws Exception {
    try (VimClient client = connect()) {
      NewVmRestore[] restore = new NewVmRestore[1];
      java.util.concurrent.atomic.AtomicBoolean once =
          new java.util.concurrent.atomic.AtomicBoolean();
      restore[0] =
          new NewVmRestore(
              client,
              repo.repository,
              2,
              (phase, done, total) -> {
                if (done > 0 && once.compareAndSet(false, true)) {
                  // As Ctrl-C's shutdown hook does, from another thread.
                  Thread.ofVirtual().start(restore[0]::cancel);
                }
              },
              w -> {});
      assertThatThrownBy(() -> restore[0].restore(point, request("cancelled-copy")))
          .isInstanceOf(IOException.class);
      assertThat(once).isTrue();
      assertThat(vmNames(client)).doesNotContain("cancelled-copy");
    }
  }

  /** Files of a VM named {@code name} left on the datastore. */
  private static List<Path> leftoverFiles(String name) throws IOException {
    try (var files = Files.walk(sim.datastoreDirectory("LocalDS_0"))) {
      return files.filter(f -> f.getFileName().toString().startsWith(name)).toList();
    }
  }

  @Test
  void aServerThatWantsTheLengthUpFrontGetsTheDiskFromATemporaryFile() throws Exception {
    try (VimClient client = connect()) {
      List<String> warnings = new ArrayList<>();
      sim.setFaults(VcSim.Faults.none().requireNfcLength());
      NewVmRestore.Result result;
      try {
        result = restorer(client, warnings).restore(point, request("spooled-copy"));
      } finally {
        sim.clearFaults();
      }
      Vm restored = new InventoryReader(client).read(null).vm("spooled-copy").orElseThrow();
      assertThat(restored.ref()).isEqualTo(result.vm());
      assertThat(
              Files.mismatch(
                  flatOf(restored.disks().getFirst()), flatOf(original.disks().getFirst())))
          .isEqualTo(-1);
      assertThat(warnings).anySatisfy(w -> assertThat(w).contains("wants each disk's length"));
      try (var spooled = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
        assertThat(spooled.filter(f -> f.getFileName().toString().startsWith("cairn-upload-")))
            .isEmpty();
      }
    }
  }
}
