package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup from and restore to real NBD servers (qemu-nbd, nbdkit): allocation-aware fulls,
 * dirty-bitmap incrementals, sparse restores into a qcow2, and faults that must leave no point.
 */
class NbdEndToEndTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path directory;
  private CairnRepository repository;

  @BeforeEach
  void setUp() {
    QemuTools.require("qemu-img", "qemu-io", "qemu-nbd", "nbdkit");
    repository =
        CairnRepository.init(CairnProcess.in(directory, "secret"), directory.resolve("repo"));
  }

  private Path qcow2(String name, long size) {
    Path image = directory.resolve(name);
    QemuTools.run(
        directory, "qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "" + size);
    return image;
  }

  private void write(Path image, String... commands) {
    java.util.List<String> command =
        new java.util.ArrayList<>(java.util.List.of("qemu-io", "-f", "qcow2"));
    for (String c : commands) {
      command.add("-c");
      command.add(c);
    }
    command.add(image.toString());
    QemuTools.run(directory, command.toArray(String[]::new));
  }

  @Test
  void fullReadsOnlyAllocatedDataThenABitmapIncrementalReadsOnlyDirtyExtents() throws Exception {
    Path disk = qcow2("disk.qcow2", 64 * MIB);
    write(disk, "write -P 0x11 0 4M", "write -P 0x22 20M 1M");
    QemuTools.run(directory, "qemu-img", "bitmap", "--add", disk.toString(), "bm0");

    JsonNode full;
    try (QemuTools.Server server =
        QemuTools.qemuNbd(directory, disk, "disk0", "-r", "-f", "qcow2")) {
      full = repository.backup("vm1", server.url);
    }
    assertThat(full.get("incremental").asBoolean()).isFalse();
    assertThat(full.get("bytesRead").asLong()).isEqualTo(5 * MIB);

    write(disk, "write -P 0x33 40M 128k", "write -P 0x44 1M 64k");
    JsonNode incremental;
    try (QemuTools.Server server =
        QemuTools.qemuNbd(directory, disk, "disk0", "-r", "-f", "qcow2", "-B", "bm0")) {
      incremental = repository.backup("vm1", server.url, "--bitmap", "bm0");
    }
    assertThat(incremental.get("incremental").asBoolean()).isTrue();
    assertThat(incremental.get("bytesRead").asLong()).isEqualTo(192 * 1024);

    // Restore the incremental into a fresh qcow2 over NBD: same content, and still sparse.
    Path target = qcow2("restored.qcow2", 64 * MIB);
    restoreOverNbd(incremental.get("id").asText(), target);
    assertSameDisk(disk, target);
    assertThat(Files.size(target)).isLessThan(16 * MIB);
    // The full still restores to what the disk held then.
    Path fullTarget = qcow2("full.qcow2", 64 * MIB);
    restoreOverNbd(full.get("id").asText(), fullTarget);
    String map =
        QemuTools.run(
            directory,
            "qemu-io",
            "-f",
            "qcow2",
            "-r",
            "-c",
            "read -P 0x22 20M 1M",
            "-c",
            "read -P 0 40M 128k",
            "-c",
            "read -P 0x11 1M 64k",
            fullTarget.toString());
    assertThat(map).doesNotContain("Pattern verification failed");
    repository.assertCheckPasses("--read-data");
  }

  @Test
  void restoreOverwritesOldDataOnTheTargetWithZeros() throws Exception {
    Path disk = qcow2("disk.qcow2", 8 * MIB);
    write(disk, "write -P 0x55 1M 1M");
    JsonNode point;
    try (QemuTools.Server server =
        QemuTools.qemuNbd(directory, disk, "disk0", "-r", "-f", "qcow2")) {
      point = repository.backup("vm1", server.url);
    }
    Path target = qcow2("dirty.qcow2", 8 * MIB);
    write(target, "write -P 0x77 0 8M");
    restoreOverNbd(point.get("id").asText(), target);
    assertSameDisk(disk, target);
  }

  /** {@code cairn restore --to nbd+unix://…} into {@code qcow2}, served writable by qemu-nbd. */
  private void restoreOverNbd(String pointId, Path qcow2) throws Exception {
    try (QemuTools.Server server = QemuTools.qemuNbd(directory, qcow2, "out", "-f", "qcow2")) {
      repository.run("restore", "--point", pointId, "--to", server.url).assertSuccess();
    }
  }

  private void assertSameDisk(Path expected, Path actual) {
    QemuTools.run(
        directory,
        "qemu-img",
        "compare",
        "-f",
        "qcow2",
        "-F",
        "qcow2",
        expected.toString(),
        actual.toString());
  }

  @Test
  void aWrongExportNameFailsNamingItAndCommitsNothing() throws Exception {
    Path disk = qcow2("disk.qcow2", 8 * MIB);
    try (QemuTools.Server server =
        QemuTools.qemuNbd(directory, disk, "disk0", "-r", "-f", "qcow2")) {
      String wrong = server.url.replace("/disk0?", "/nosuch?");
      repository.run("backup", "--vm", "vm1", "--disk", wrong).assertFailure(7, "nosuch");
    }
    assertThat(repository.pointIds()).isEmpty();
  }

  @Test
  void aBitmapThatDoesNotExistFailsNamingIt() throws Exception {
    Path disk = qcow2("disk.qcow2", 8 * MIB);
    write(disk, "write -P 0x11 0 1M");
    try (QemuTools.Server server =
        QemuTools.qemuNbd(directory, disk, "disk0", "-r", "-f", "qcow2")) {
      repository.backup("vm1", server.url);
      repository
          .run("backup", "--vm", "vm1", "--disk", server.url, "--bitmap", "nosuch")
          .assertFailure(7, "nosuch");
    }
    assertThat(repository.pointIds()).hasSize(1);
    repository.assertCheckPasses();
  }

  @Test
  void readErrorsFromTheServerFailTheBackupAndLeaveNoPoint() throws Exception {
    QemuTools.require("nbdkit");
    try (QemuTools.Server server =
        QemuTools.nbdkit(
            directory,
            "--filter=error",
            "pattern",
            "size=64M",
            "error=EIO",
            "error-pread-rate=1")) {
      repository
          .run("backup", "--vm", "vm1", "--disk", server.url)
          .assertFailure(7, "Cannot read disk", server.url.substring(0, 12));
    }
    assertThat(repository.pointIds()).isEmpty();
    repository.assertCheckPasses();
  }

  @Test
  void aStalledServerFailsTheBackupAfterTheTimeout() throws Exception {
    try (QemuTools.Server server =
        QemuTools.nbdkit(directory, "--filter=delay", "pattern", "size=16M", "rdelay=30")) {
      repository
          .run("backup", "--vm", "vm1", "--disk", server.url, "--nbd-timeout", "1")
          .assertFailure(7, "Cannot read disk", "timed out");
    }
    assertThat(repository.pointIds()).isEmpty();
    repository.assertCheckPasses();
  }

  @Test
  void aServerKilledDuringTheBackupFailsItAndLeavesNoPoint() throws Exception {
    // Slow reads keep the backup busy for far longer than the moment the server is killed at.
    QemuTools.Server server =
        QemuTools.nbdkit(directory, "--filter=delay", "pattern", "size=256M", "rdelay=1");
    CairnProcess.Running backup = repository.start("backup", "--vm", "vm1", "--disk", server.url);
    Thread.sleep(2000);
    server.kill();
    backup.await(CairnProcess.DEFAULT_TIMEOUT).assertFailure(7, "Cannot read disk");
    assertThat(repository.pointIds()).isEmpty();
    repository.assertCheckPasses();
  }

  @Test
  void aDeadServerFailsTheBackupNamingTheUrl() throws Exception {
    String url = "nbd+unix:///disk0?socket=" + directory.resolve("nobody-listens.sock");
    repository.run("backup", "--vm", "vm1", "--disk", url).assertFailure(7, "nobody-listens.sock");
    repository.run("backup", "--vm", "vm1", "--disk", "nbd://").assertFailure(2, "nbd://");
  }
}
