package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.qemu.qmp.QmpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn backup --qmp} against a real qemu-system-x86_64 (TCG, CPUs stopped, no guest OS):
 * full, then incremental through checkpoint bitmaps; writes made as the guest would (through the
 * block layer, with HMP's qemu-io on a second monitor); a backup killed at an arbitrary moment; and
 * QEMU left without Cairn's nodes and exports.
 */
class QemuEndToEndTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path directory;
  private CairnRepository repository;
  private Process qemu;
  private Path disk;

  @BeforeEach
  void startQemu() throws Exception {
    QemuTools.require("qemu-system-x86_64", "qemu-img", "qemu-io");
    repository =
        CairnRepository.init(CairnProcess.in(directory, "secret"), directory.resolve("repo"));
    disk = directory.resolve("vm1.qcow2");
    QemuTools.run(directory, "qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "48M");
    QemuTools.run(
        directory,
        "qemu-io",
        "-f",
        "qcow2",
        "-c",
        "write -P 0x11 0 6M",
        "-c",
        "write -P 0x22 30M 2M",
        disk.toString());
    Files.createDirectory(directory.resolve("work"));
    qemu =
        new ProcessBuilder(
                "qemu-system-x86_64",
                "-accel",
                "tcg",
                "-nodefaults",
                "-display",
                "none",
                "-S",
                "-qmp",
                "unix:" + directory.resolve("qmp.sock") + ",server=on,wait=off",
                "-chardev",
                "socket,id=test,path=" + directory.resolve("test.sock") + ",server=on,wait=off",
                "-mon",
                "chardev=test,mode=control",
                "-drive",
                "file=" + disk + ",format=qcow2,if=none,id=drive0",
                "-device",
                "virtio-blk-pci,drive=drive0,id=vd0")
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("qemu.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(directory.resolve("qmp.sock"))
        || !Files.exists(directory.resolve("test.sock"))) {
      if (!qemu.isAlive() || System.nanoTime() > deadline) {
        throw new IOException(
            "qemu did not start: " + Files.readString(directory.resolve("qemu.log")));
      }
      Thread.sleep(50);
    }
  }

  @AfterEach
  void stopQemu() throws InterruptedException {
    if (qemu != null) {
      qemu.destroyForcibly();
      qemu.waitFor();
    }
  }

  private JsonNode backup(String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "backup",
                "--vm",
                "vm1",
                "--qmp",
                directory.resolve("qmp.sock").toString(),
                "--qemu-work-dir",
                directory.resolve("work").toString(),
                "--json"));
    args.addAll(List.of(extra));
    return repository.run(args.toArray(String[]::new)).assertSuccess().json();
  }

  private void writeAsGuest(String qemuIoCommand) throws IOException {
    try (QmpClient test = QmpClient.connect(directory.resolve("test.sock"))) {
      String output =
          test.execute(
                  "human-monitor-command",
                  Map.of(
                      "command-line",
                      "qemu-io -d /machine/peripheral/vd0/virtio-backend \""
                          + qemuIoCommand
                          + "\""))
              .asText();
      assertThat(output).doesNotContain("rror");
    }
  }

  /** What Cairn left in QEMU: node names, exports and jobs that start with "cairn-". */
  private List<String> leftovers() throws IOException {
    try (QmpClient test = QmpClient.connect(directory.resolve("test.sock"))) {
      List<String> found = new java.util.ArrayList<>();
      test.execute("query-named-block-nodes")
          .forEach(node -> found.add("node " + node.path("node-name").asText()));
      test.execute("query-block-exports")
          .forEach(export -> found.add("export " + export.path("id").asText()));
      test.execute("query-block-jobs")
          .forEach(job -> found.add("job " + job.path("device").asText()));
      return found.stream().filter(name -> name.contains("cairn-")).toList();
    }
  }

  /** Stops QEMU cleanly (so the qcow2 is consistent) and restores the newest point next to it. */
  private void assertNewestPointEqualsTheDisk() throws Exception {
    try (QmpClient test = QmpClient.connect(directory.resolve("test.sock"))) {
      test.execute("quit");
    } catch (IOException closedWhileQuitting) {
      // QEMU may close the monitor before it answers
    }
    assertThat(qemu.waitFor(60, TimeUnit.SECONDS)).isTrue();
    List<String> ids = repository.pointIds();
    Path restored = repository.freshTarget();
    repository
        .run("restore", "--point", ids.getLast(), "--to", restored.toString())
        .assertSuccess();
    QemuTools.run(
        directory,
        "qemu-img",
        "compare",
        "-f",
        "raw",
        "-F",
        "qcow2",
        restored.toString(),
        disk.toString());
  }

  @Test
  void fullThenIncrementalThroughCheckpointBitmaps() throws Exception {
    JsonNode full = backup();
    assertThat(full.get("incremental").asBoolean()).isFalse();
    assertThat(full.get("bytesRead").asLong()).isEqualTo(8 * MIB);
    assertThat(full.get("warnings").toString()).contains("drive0");
    assertThat(leftovers()).isEmpty();

    writeAsGuest("write -P 0x33 10M 128k");
    writeAsGuest("write -P 0x44 31M 64k");
    JsonNode incremental = backup();
    assertThat(incremental.get("incremental").asBoolean()).isTrue();
    assertThat(incremental.get("bytesRead").asLong()).isEqualTo(192 * 1024);
    assertThat(incremental.get("warnings")).isEmpty();
    assertThat(incremental.get("disks").get(0).toString()).contains("cairn-");
    assertThat(leftovers()).isEmpty();
    assertThat(Files.list(directory.resolve("work"))).isEmpty();

    assertNewestPointEqualsTheDisk();
    repository.assertCheckPasses("--read-data");
  }

  @Test
  void guestWritesDuringTheBackupStayOutOfItAndGoIntoTheNext() throws Exception {
    try (var repo =
        dev.cairn.repository.Repository.open(
            dev.cairn.storage.local.LocalBlobStore.open(repository.path()),
            "secret".toCharArray(),
            java.time.Clock.systemUTC())) {
      // The guest overwrites data after the checkpoint, before the backup has read a byte: on
      // the engine's first progress report (0 bytes done).
      java.util.concurrent.atomic.AtomicBoolean written =
          new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicLong doneWhenWritten =
          new java.util.concurrent.atomic.AtomicLong(-1);
      dev.cairn.engine.progress.ProgressListener writeOnce =
          (phase, done, total) -> {
            if (written.compareAndSet(false, true)) {
              doneWhenWritten.set(done);
              try {
                writeAsGuest("write -P 0x99 0 6M");
                writeAsGuest("write -P 0x98 30M 2M");
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }
          };
      var first =
          QemuBackup.run(
              repo,
              directory.resolve("qmp.sock"),
              List.of(),
              directory.resolve("work"),
              new dev.cairn.repository.point.VmIdentity("vm1", null),
              List.of(),
              dev.cairn.nbd.client.NbdClientOptions.defaults(),
              2,
              writeOnce);
      assertThat(written).isTrue();
      assertThat(doneWhenWritten).hasValue(0);
      assertThat(first.cleanupProblem()).isEmpty();

      // The point holds the disk as it was when the backup started.
      Path restored = directory.resolve("first.img");
      new dev.cairn.engine.restore.RestoreEngine(
              repo, 2, dev.cairn.engine.progress.ProgressListener.NONE)
          .restoreDisk(first.result().point(), 0, restored, false);
      String before =
          QemuTools.run(
              directory,
              "qemu-io",
              "-f",
              "raw",
              "-r",
              "-c",
              "read -P 0x11 0 6M",
              "-c",
              "read -P 0x22 30M 2M",
              restored.toString());
      assertThat(before).doesNotContain("verification failed");

      // The next backup is an incremental that reads exactly those writes.
      var second =
          QemuBackup.run(
              repo,
              directory.resolve("qmp.sock"),
              List.of(),
              directory.resolve("work"),
              new dev.cairn.repository.point.VmIdentity("vm1", null),
              List.of(),
              dev.cairn.nbd.client.NbdClientOptions.defaults(),
              2,
              dev.cairn.engine.progress.ProgressListener.NONE);
      assertThat(second.result().point().statistics().incremental()).isTrue();
      assertThat(second.result().point().statistics().bytesRead()).isEqualTo(8 * MIB);
    }
    assertThat(leftovers()).isEmpty();
    assertNewestPointEqualsTheDisk();
  }

  @Test
  void aBackupKilledAtAnyMomentLeavesNothingThatTheNextOneCannotRepair() throws Exception {
    backup();
    writeAsGuest("write -P 0x55 2M 1M");
    CairnProcess.Running killed =
        repository.start(
            "backup",
            "--vm",
            "vm1",
            "--qmp",
            directory.resolve("qmp.sock").toString(),
            "--qemu-work-dir",
            directory.resolve("work").toString());
    Thread.sleep(1500); // somewhere in start-up, the checkpoint, the read or the commit
    killed.kill();
    writeAsGuest("write -P 0x66 20M 64k");

    JsonNode next = backup();
    // Whatever the kill interrupted, the newest point holds every write so far.
    assertThat(leftovers()).isEmpty();
    assertThat(next.get("id").asText()).isEqualTo(repository.pointIds().getLast());
    repository.assertCheckPasses();
    assertNewestPointEqualsTheDisk();
  }

  @Test
  void anUnknownDiskIsNamedAndNothingIsLeftBehind() throws Exception {
    repository
        .run(
            "backup",
            "--vm",
            "vm1",
            "--qmp",
            directory.resolve("qmp.sock").toString(),
            "--disk-node",
            "nosuch",
            "--qemu-work-dir",
            directory.resolve("work").toString())
        .assertFailure(7, "nosuch");
    assertThat(leftovers()).isEmpty();
    assertThat(repository.pointIds()).isEmpty();
    repository
        .run("backup", "--vm", "vm1", "--qmp", directory.resolve("missing.sock").toString())
        .assertFailure(7, "missing.sock");
  }
}
