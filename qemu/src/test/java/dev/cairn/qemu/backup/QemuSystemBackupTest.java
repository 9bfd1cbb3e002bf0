package dev.cairn.qemu.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.qemu.qmp.QmpClient;
import dev.cairn.qemu.testing.DiskModel;
import dev.cairn.qemu.testing.ExternalTools;
import dev.cairn.qemu.testing.NbdTools;
import dev.cairn.qemu.testing.Processes;
import dev.cairn.qemu.testing.Range;
import dev.cairn.qemu.testing.StorageDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup of a real {@code qemu-system-x86_64} (TCG, CPUs stopped, no guest OS) with a qcow2 disk
 * on {@code -blockdev}, a raw disk on {@code -drive} and two CD-ROMs. The test writes as the guest
 * would, through the block backend of the device ({@code qemu-io} in HMP), on a second QMP monitor
 * because the session holds the first.
 */
@Timeout(300)
class QemuSystemBackupTest {
  private static final int SIZE = 8 << 20;
  private static final String VD0 = "/machine/peripheral/vd0/virtio-backend";

  @TempDir Path dir;
  private Process qemu;

  @AfterEach
  void stopQemu() throws InterruptedException {
    if (qemu != null) {
      qemu.destroyForcibly();
      qemu.waitFor();
    }
  }

  private Path socket(String name) {
    return dir.resolve(name);
  }

  private void startQemu(Path qcow2, Path raw, Path iso) throws Exception {
    List<String> command =
        List.of(
            "qemu-system-x86_64",
            "-accel",
            "tcg",
            "-nodefaults",
            "-display",
            "none",
            "-S",
            "-qmp",
            "unix:" + socket("qmp.sock") + ",server=on,wait=off",
            "-chardev",
            "socket,id=test,path=" + socket("test.sock") + ",server=on,wait=off",
            "-mon",
            "chardev=test,mode=control",
            "-blockdev",
            "driver=file,filename=" + qcow2 + ",node-name=vfile",
            "-blockdev",
            "driver=qcow2,file=vfile,node-name=vdisk",
            "-device",
            "virtio-blk-pci,drive=vdisk,id=vd0",
            "-drive",
            "file=" + raw + ",format=raw,if=none,id=drive1",
            "-device",
            "virtio-blk-pci,drive=drive1",
            "-drive",
            "if=none,id=cd0,media=cdrom",
            "-device",
            "ide-cd,drive=cd0,bus=ide.0",
            "-drive",
            "if=none,id=cd1,media=cdrom,format=raw,readonly=on,file=" + iso,
            "-device",
            "ide-cd,drive=cd1,bus=ide.1");
    qemu =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("qemu.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(socket("qmp.sock")) || !Files.exists(socket("test.sock"))) {
      if (!qemu.isAlive() || System.nanoTime() > deadline) {
        throw new IOException("qemu did not start: " + Files.readString(dir.resolve("qemu.log")));
      }
      Thread.sleep(50);
    }
  }

  /** A guest write to vd0 through its block backend. */
  private Range writeAsGuest(DiskModel model, int pattern, long offset, long length)
      throws Exception {
    try (QmpClient test = QmpClient.connect(socket("test.sock"))) {
      String output =
          test.execute(
                  "human-monitor-command",
                  Map.of(
                      "command-line",
                      "qemu-io -d "
                          + VD0
                          + " \"write -P "
                          + pattern
                          + " "
                          + offset
                          + " "
                          + length
                          + "\""))
              .asText();
      assertThat(output).doesNotContain("Error");
    }
    model.write(pattern, offset, length);
    return new Range(offset, length);
  }

  @Test
  void backsUpTheWritableDisksOfAVirtualMachinePointInTimeAndIncrementally() throws Exception {
    ExternalTools.require("qemu-system-x86_64", "qemu-img", "qemu-io", "nbdcopy", "nbdinfo");
    Path qcow2 = StorageDaemon.createImage(dir, "vd0.qcow2", "qcow2", SIZE);
    Path raw = StorageDaemon.createImage(dir, "drive1.img", "raw", SIZE);
    Path iso = StorageDaemon.createImage(dir, "cd.iso", "raw", 1 << 20);
    DiskModel vd0 = new DiskModel(SIZE);
    DiskModel drive1 = new DiskModel(SIZE);
    NbdTools.writeImage(qcow2, "qcow2", 0x21, 1 << 20, 1 << 20);
    vd0.write(0x21, 1 << 20, 1 << 20);
    NbdTools.writeImage(raw, "raw", 0x37, 0, 3 << 20);
    drive1.write(0x37, 0, 3 << 20);
    startQemu(qcow2, raw, iso);
    Path work = dir.resolve("work");

    Map<String, String> checkpoints = new HashMap<>();
    DiskModel vd0AtBackup = vd0.copy();
    Range duringBackup;
    try (QemuBackupSession session =
        QemuBackupSession.open(socket("qmp.sock"), List.of(), Map.of(), work)) {
      assertThat(session.disks())
          .extracting(ExportedDisk::name)
          .containsExactlyInAnyOrder("vd0", "drive1");
      ExportedDisk first = disk(session, "vd0");
      assertThat(first.nodeName()).isEqualTo("vdisk");
      assertThat(first.qdev()).contains(VD0);
      assertThat(first.device()).isEmpty();
      ExportedDisk second = disk(session, "drive1");
      assertThat(second.device()).contains("drive1");
      assertThat(second.nodeName()).startsWith("#");
      assertThat(session.warnings()).anyMatch(w -> w.contains("disk drive1") && w.contains("raw"));

      duringBackup = writeAsGuest(vd0, 0x4c, 1 << 20, 64 << 10);
      vd0AtBackup.assertMatches(NbdTools.readAll(first.nbdUrl(), dir));
      drive1.assertMatches(NbdTools.readAll(second.nbdUrl(), dir));
      session.confirmPointInTime();
      session.disks().forEach(d -> checkpoints.put(d.name(), d.newCheckpoint()));
      session.commit();
    }

    Range afterBackup = writeAsGuest(vd0, 0x5d, 6 << 20, 100);
    try (QemuBackupSession session =
        QemuBackupSession.open(socket("qmp.sock"), List.of("vd0"), checkpoints, work)) {
      ExportedDisk disk = session.disks().getFirst();
      assertThat(session.disks()).hasSize(1);
      assertThat(NbdTools.dirtyRanges(disk.nbdUrl(), disk.dirtyBitmapContext().orElseThrow()))
          .containsExactly(duringBackup, new Range(6 << 20, 64 << 10));
      assertThat(afterBackup.length()).isLessThan(64 << 10);
      vd0.assertMatches(NbdTools.readAll(disk.nbdUrl(), dir));
      session.commit();
    }
    try (QmpClient qmp = QmpClient.connect(socket("qmp.sock"))) {
      assertThat(qmp.execute("query-named-block-nodes").findValuesAsText("node-name"))
          .noneMatch(n -> n.startsWith("cairn-"));
      assertThat(qmp.execute("query-block-exports")).isEmpty();
    }
    assertThat(Processes.run("ls", "-A", work.toString())).isBlank();
  }

  private static ExportedDisk disk(QemuBackupSession session, String name) {
    return session.disks().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
  }
}
