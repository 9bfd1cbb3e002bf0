package dev.cairn.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.overlay.CopyOnWriteBackend;
import dev.cairn.nbd.testing.ExternalTools;
import dev.cairn.nbd.testing.MemoryBackend;
import dev.cairn.nbd.testing.TestContent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-only export made writable by {@link CopyOnWriteBackend}, written by QEMU's own NBD client
 * (qemu-io) and read back with nbdcopy: the guest sees its writes, the base never changes.
 */
@Timeout(300)
class CopyOnWriteExportTest {
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(120);
  private static final int SIZE = 2 << 20;
  private static final int K = 1024;

  @TempDir Path directory;
  private final byte[] original = TestContent.mixed(SIZE, 21);
  private final List<Process> processes = new ArrayList<>();
  private MemoryBackend base;
  private CopyOnWriteBackend overlay;
  private NbdServer server;

  @BeforeEach
  void serveOverlay() throws IOException {
    ExternalTools.require("qemu-io", "nbdcopy", "nbdinfo");
    base = MemoryBackend.readOnly(original);
    overlay = CopyOnWriteBackend.create(base, directory);
    server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), Map.of("disk", overlay));
  }

  @AfterEach
  void stop() throws Exception {
    for (Process process : processes) {
      ExternalTools.kill(process);
    }
    if (server != null) {
      server.close();
      assertThat(server.unexpectedFailures()).isZero();
    }
    if (overlay != null) {
      overlay.close();
    }
  }

  @Test
  void qemuIoWritesAreReadBackAndTheBaseIsUntouched() throws IOException {
    byte[] expected = original.clone();
    qemuIo("write -P 0xab 100k 300k");
    Arrays.fill(expected, 100 * K, 400 * K, (byte) 0xab);

    qemuIo("read -P 0xab 100k 300k"); // qemu-io checks the pattern itself
    assertThat(copy()).isEqualTo(expected);
    assertBaseUntouched();
  }

  @Test
  void unalignedWritesKeepTheirNeighbours() throws IOException {
    byte[] expected = original.clone();
    qemuIo("write -P 0x11 1000 3000");
    Arrays.fill(expected, 1000, 4000, (byte) 0x11);
    qemuIo("write -P 0x22 65535 2"); // straddles two clusters
    Arrays.fill(expected, 65535, 65537, (byte) 0x22);
    qemuIo("write -P 0x33 " + (SIZE - 7) + " 7"); // the very end
    Arrays.fill(expected, SIZE - 7, SIZE, (byte) 0x33);

    assertThat(copy()).isEqualTo(expected);
    assertBaseUntouched();
  }

  @Test
  void writeZeroesAndDiscardReadAsZeroesAndShowAsHoles() throws IOException {
    byte[] expected = original.clone();
    qemuIo("write -z 64k 192k");
    Arrays.fill(expected, 64 * K, 256 * K, (byte) 0);
    qemuIo("write -z 5000 100");
    Arrays.fill(expected, 5000, 5100, (byte) 0);
    qemuIo("discard 1M 128k");
    Arrays.fill(expected, 1024 * K, 1152 * K, (byte) 0);

    assertThat(copy()).isEqualTo(expected);
    List<Extent> map =
        NbdServerToolsTest.extents(
            ExternalTools.run(TOOL_TIMEOUT, "nbdinfo", "--map", "--json", url()).success());
    assertThat(map).anySatisfy(extent -> covers(extent, 64 * K, 256 * K, 3));
    assertThat(map).anySatisfy(extent -> covers(extent, 1024 * K, 1152 * K, 3));
    assertThat(map).anySatisfy(extent -> covers(extent, 0, 64 * K, 0)); // the partial zeroing
    assertBaseUntouched();
  }

  @Test
  void concurrentClientsWritingNeighbouringRangesAllLand() throws Exception {
    int clients = 6;
    int span = 48 * K; // not a multiple of the cluster size: neighbours share clusters
    byte[] expected = original.clone();
    for (int client = 0; client < clients; client++) {
      List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
      for (int round = 0; round < 4; round++) {
        int offset = (round * clients + client) * span;
        int pattern = 0x40 + client;
        command.addAll(List.of("-c", "write -P " + pattern + " " + offset + " " + span));
        Arrays.fill(expected, offset, offset + span, (byte) pattern);
      }
      command.add(url());
      processes.add(
          ExternalTools.startLogged(
              directory.resolve("client-" + client + ".log"), command.toArray(String[]::new)));
    }
    for (int client = 0; client < clients; client++) {
      Process process = processes.get(client);
      assertThat(process.waitFor(TOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue())
          .as("%s", Files.readString(directory.resolve("client-" + client + ".log")))
          .isZero();
    }

    assertThat(copy()).isEqualTo(expected);
    assertBaseUntouched();
  }

  private static void covers(Extent extent, long from, long to, int flags) {
    assertThat(extent.offset()).isLessThanOrEqualTo(from);
    assertThat(extent.end()).isGreaterThanOrEqualTo(to);
    assertThat(extent.flags()).isEqualTo(flags);
  }

  private void assertBaseUntouched() {
    assertThat(base.writeCalls()).isZero();
    assertThat(base.content()).isEqualTo(original);
  }

  private byte[] copy() throws IOException {
    Path copy = directory.resolve("copy.img");
    Files.deleteIfExists(copy);
    ExternalTools.run(TOOL_TIMEOUT, "nbdcopy", url(), copy.toString()).success();
    return Files.readAllBytes(copy);
  }

  private void qemuIo(String command) {
    ExternalTools.run(TOOL_TIMEOUT, "qemu-io", "-f", "raw", "-c", command, url()).success();
  }

  private String url() {
    return "nbd://127.0.0.1:" + server.address().getPort() + "/disk";
  }
}
