package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.nbd.testing.BootSector;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn export}: a restore point served over NBD, read back by libnbd's tools and QEMU,
 * read-only and with a writable overlay that never reaches the repository.
 */
class ExportEndToEndTest {
  private static final int MIB = 1024 * 1024;

  @TempDir Path directory;
  private CairnRepository repository;
  private Path image;
  private String pointId;
  private CairnProcess.Running export;

  @BeforeEach
  void setUp() throws Exception {
    QemuTools.require("nbdcopy", "nbdinfo", "qemu-io", "qemu-img");
    repository =
        CairnRepository.init(CairnProcess.in(directory, "secret"), directory.resolve("repo"));
    image = TestImages.mixed(directory.resolve("disk.img"), 24L * MIB + 4321, 11);
    // Zeros in the middle, which the export must report as a hole.
    try (var channel =
        java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.allocate(4 * MIB), 8L * MIB);
    }
    JsonNode point = repository.backup("vm1", image);
    pointId = point.get("id").asText();
  }

  @AfterEach
  void stopExport() {
    if (export != null && export.isAlive()) {
      export.kill();
    }
  }

  private String startExport(String... extra) throws Exception {
    int port = QemuTools.freePort();
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of("export", "--point", pointId, "--listen", "127.0.0.1:" + port));
    args.addAll(java.util.List.of(extra));
    export = repository.start(args.toArray(String[]::new));
    QemuTools.awaitListening(port, export);
    return "nbd://127.0.0.1:" + port + "/disk0";
  }

  /** Stops the export as Ctrl-C or a service manager would, and returns what it printed. */
  private CairnProcess.Result stop() {
    export.process().destroy(); // SIGTERM
    return export.await(CairnProcess.DEFAULT_TIMEOUT);
  }

  @Test
  void aReadOnlyExportServesThePointWithItsHoles() throws Exception {
    String url = startExport();

    JsonNode info =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(QemuTools.run(directory, "nbdinfo", "--json", url));
    JsonNode first = info.get("exports").get(0);
    assertThat(first.get("export-size").asLong()).isEqualTo(Files.size(image));
    assertThat(first.get("is_read_only").asBoolean()).isTrue();
    String map = QemuTools.run(directory, "nbdinfo", "--map", url);
    assertThat(map).contains("hole");
    Path copy = directory.resolve("copy.img");
    QemuTools.run(directory, "nbdcopy", url, copy.toString());
    TestImages.assertSameContent(image, copy);
    assertThat(
            QemuTools.runAllowingFailure(
                    directory, "qemu-io", "-f", "raw", "-c", "write 0 64k", url)
                .output())
        .containsAnyOf("Permission denied", "failed");

    CairnProcess.Result stopped = stop();
    assertThat(stopped.stdout()).contains("Serving disk 0 of " + pointId.substring(0, 8));
    // The shared lock is gone: prune (exclusive) runs, and the audit trail has the export.
    repository.run("prune").assertSuccess();
    assertThat(repository.run("audit").assertSuccess().stdout()).contains("export");
  }

  @Test
  void aVirtualMachineBootsFromARestorePoint() throws Exception {
    QemuTools.require("qemu-system-x86_64");
    Path bootDisk = directory.resolve("boot.img");
    Files.write(bootDisk, BootSector.disk(MIB, BootSector.DEFAULT_MARKER, (byte) 0));
    pointId = repository.backup("boot-vm", bootDisk).get("id").asText();
    String url = startExport("--writable");

    Process vm =
        new ProcessBuilder(
                "qemu-system-x86_64",
                "-nodefaults",
                "-display",
                "none",
                "-no-reboot",
                "-serial",
                "stdio",
                "-accel",
                "tcg",
                "-m",
                "64",
                "-drive",
                "file=" + url + ",format=raw,if=ide")
            .redirectErrorStream(true)
            .start();
    try {
      String marker = awaitLine(vm, BootSector.DEFAULT_MARKER);
      assertThat(marker).contains(BootSector.DEFAULT_MARKER);
    } finally {
      vm.destroyForcibly().waitFor();
    }
    stop();
  }

  /** Reads the VM's serial console until a line holds {@code marker} (or the VM ends). */
  private static String awaitLine(Process vm, String marker) throws Exception {
    var lines =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                vm.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
    var found = new java.util.concurrent.CompletableFuture<String>();
    Thread.ofVirtual()
        .start(
            () -> {
              StringBuilder seen = new StringBuilder();
              try {
                String line;
                while ((line = lines.readLine()) != null) {
                  seen.append(line).append('\n');
                  if (line.contains(marker)) {
                    found.complete(line);
                    return;
                  }
                }
              } catch (java.io.IOException e) {
                // the VM was stopped
              }
              found.complete("VM ended without the marker; console: " + seen);
            });
    return found.get(2, java.util.concurrent.TimeUnit.MINUTES);
  }

  @Test
  void aWritableExportKeepsGuestWritesOutOfTheRepository() throws Exception {
    Path overlays = Files.createDirectory(directory.resolve("overlays"));
    String url = startExport("--writable", "--overlay-dir", overlays.toString());

    QemuTools.run(directory, "qemu-io", "-f", "raw", "-c", "write -P 0xab 100k 300k", url);
    String read =
        QemuTools.run(directory, "qemu-io", "-f", "raw", "-c", "read -P 0xab 100k 300k", url);
    assertThat(read).doesNotContain("verification failed");
    stop();

    assertThat(TestImages.filesUnder(overlays)).isEmpty();
    repository.assertRestores(pointId, image);
    repository.assertCheckPasses("--read-data");
  }
}
