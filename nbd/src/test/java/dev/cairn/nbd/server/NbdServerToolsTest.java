package dev.cairn.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.testing.ExternalTools;
import dev.cairn.nbd.testing.ExternalTools.Result;
import dev.cairn.nbd.testing.MemoryBackend;
import dev.cairn.nbd.testing.TestContent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server as libnbd's and QEMU's tools see it: nbdinfo, nbdcopy, qemu-img, qemu-io. */
@Timeout(300)
class NbdServerToolsTest {
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(120);
  private static final int SIZE = 4 << 20;

  @TempDir Path directory;
  private final byte[] content = TestContent.mixed(SIZE, 7);
  private final byte[] odd = TestContent.random((1 << 20) + 1000, 8);
  private MemoryBackend disk;
  private MemoryBackend scratch;
  private NbdServer server;

  @BeforeEach
  void startServer() throws IOException {
    ExternalTools.require("nbdinfo", "nbdcopy", "qemu-img", "qemu-io");
    disk = MemoryBackend.readOnly(content, "web01 disk sda at 2024-05-01");
    scratch = MemoryBackend.writable(new byte[1 << 20]);
    Map<String, ExportBackend> exports = new LinkedHashMap<>();
    exports.put("disk", disk);
    exports.put("scratch", scratch);
    exports.put("odd", MemoryBackend.readOnly(odd));
    server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), exports);
  }

  @AfterEach
  void stopServer() throws IOException {
    if (server != null) {
      server.close();
      assertThat(server.unexpectedFailures()).isZero();
    }
  }

  @Test
  void nbdinfoSeesSizeFlagsAndMetaContext() {
    String readOnly = nbdinfo("--json", url("disk"));
    assertThat(number(readOnly, "export-size")).isEqualTo(SIZE);
    assertThat(readOnly)
        .contains("\"structured\": true")
        .contains("\"is_read_only\": true")
        .contains("\"can_multi_conn\": true")
        .contains("\"can_flush\": true")
        .contains("\"can_zero\": false")
        .contains("\"base:allocation\"");

    String writable = nbdinfo("--json", url("scratch"));
    assertThat(number(writable, "export-size")).isEqualTo(1 << 20);
    assertThat(writable)
        .contains("\"is_read_only\": false")
        .contains("\"can_zero\": true")
        .contains("\"can_trim\": true")
        .contains("\"can_fua\": true");
  }

  @Test
  void nbdinfoListsTheExportsWithTheirDescriptions() {
    String list = nbdinfo("--list", "--json", url(""));
    assertThat(strings(list, "export-name")).containsExactly("disk", "scratch", "odd");
    assertThat(list).contains("web01 disk sda at 2024-05-01");
  }

  @Test
  void anUnknownExportIsRefusedAndTheServerStillServes() {
    Result refused = ExternalTools.run(TOOL_TIMEOUT, "nbdinfo", url("nope"));
    assertThat(refused.status()).isNotZero();
    assertThat(refused.stderr()).containsIgnoringCase("export");
    assertThat(number(nbdinfo("--json", url("disk")), "export-size")).isEqualTo(SIZE);
  }

  @Test
  void theAllocationMapIsTheBackendsAllocation() {
    List<Extent> expected = MemoryBackend.allocationOf(content, 0, SIZE);
    assertThat(expected).hasSizeGreaterThan(10); // the content really mixes data and holes

    List<Extent> map = merged(extents(nbdinfo("--map", "--json", url("disk"))));

    assertThat(map).isEqualTo(expected);
  }

  @Test
  void nbdcopyCopiesTheExportByteForByte() throws IOException {
    Path copy = directory.resolve("copy.img");
    ExternalTools.run(TOOL_TIMEOUT, "nbdcopy", url("disk"), copy.toString()).success();
    assertThat(Files.readAllBytes(copy)).isEqualTo(content);

    Path oddCopy = directory.resolve("odd.img");
    ExternalTools.run(TOOL_TIMEOUT, "nbdcopy", url("odd"), oddCopy.toString()).success();
    assertThat(Files.readAllBytes(oddCopy)).isEqualTo(odd);
  }

  @Test
  void qemuImgComparesTheExportWithItsSource() throws IOException {
    Path source = Files.write(directory.resolve("source.img"), content);
    Result same =
        ExternalTools.run(
            TOOL_TIMEOUT,
            "qemu-img",
            "compare",
            "-f",
            "raw",
            "-F",
            "raw",
            source.toString(),
            url("disk"));
    assertThat(same.success()).contains("identical");

    byte[] changed = content.clone();
    changed[SIZE - 3] ^= 1;
    Path other = Files.write(directory.resolve("other.img"), changed);
    Result different =
        ExternalTools.run(
            TOOL_TIMEOUT,
            "qemu-img",
            "compare",
            "-f",
            "raw",
            "-F",
            "raw",
            other.toString(),
            url("disk"));
    assertThat(different.status()).isEqualTo(1);
    assertThat(different.stdout()).contains("mismatch at offset " + (SIZE - 512));
  }

  @Test
  void qemuIoWritesReachAWritableBackend() {
    qemuIo("scratch", "write -P 0x5a 1000 70000").success();
    qemuIo("scratch", "write -z 4096 8192").success();

    byte[] now = scratch.content();
    for (int i = 0; i < 1 << 20; i++) {
      boolean written = i >= 1000 && i < 71000 && !(i >= 4096 && i < 12288);
      assertThat(now[i]).as("byte %d", i).isEqualTo(written ? (byte) 0x5a : 0);
    }
    qemuIo("scratch", "read -P 0x5a 12288 58712").success();
  }

  @Test
  void writesToAReadOnlyExportAreRefused() {
    Result refused = qemuIo("disk", "write -P 1 0 4096");
    assertThat(refused.status()).isNotZero();
    assertThat(disk.writeCalls()).isZero();
    assertThat(disk.content()).isEqualTo(content);
  }

  @Test
  void aBackendFailureIsAnInputOutputErrorWithoutItsMessage() {
    disk.failBetween(65536, 65537);
    Result failed =
        ExternalTools.run(
            TOOL_TIMEOUT, "qemu-io", "-r", "-f", "raw", "-c", "read 0 128k", url("disk"));
    assertThat(failed.stdout() + failed.stderr())
        .contains("Input/output error")
        .doesNotContain("secret");
    disk.failBetween(-1, -1);
    qemuIoReadOnly("disk", "read 0 128k").success();
  }

  @Test
  void servesOnAUnixSocket() throws IOException {
    Path socket = directory.resolve("nbd.sock");
    try (NbdServer unix = NbdServer.start(socket, Map.of("disk", disk))) {
      String info = nbdinfo("--json", "nbd+unix:///disk?socket=" + socket);
      assertThat(number(info, "export-size")).isEqualTo(SIZE);
      Path copy = directory.resolve("copy.img");
      ExternalTools.run(
              TOOL_TIMEOUT, "nbdcopy", "nbd+unix:///disk?socket=" + socket, copy.toString())
          .success();
      assertThat(Files.readAllBytes(copy)).isEqualTo(content);
    }
    assertThat(socket).doesNotExist();
  }

  private String url(String export) {
    return "nbd://127.0.0.1:" + server.address().getPort() + "/" + export;
  }

  private String nbdinfo(String... arguments) {
    List<String> command = new ArrayList<>(List.of("nbdinfo"));
    command.addAll(List.of(arguments));
    return ExternalTools.run(TOOL_TIMEOUT, command.toArray(String[]::new)).success();
  }

  private Result qemuIo(String export, String command) {
    return ExternalTools.run(TOOL_TIMEOUT, "qemu-io", "-f", "raw", "-c", command, url(export));
  }

  private Result qemuIoReadOnly(String export, String command) {
    return ExternalTools.run(
        TOOL_TIMEOUT, "qemu-io", "-r", "-f", "raw", "-c", command, url(export));
  }

  private static long number(String json, String key) {
    Matcher matcher = Pattern.compile("\"" + key + "\": (\\d+)").matcher(json);
    assertThat(matcher.find()).as("%s in %s", key, json).isTrue();
    return Long.parseLong(matcher.group(1));
  }

  private static List<String> strings(String json, String key) {
    Matcher matcher = Pattern.compile("\"" + key + "\": \"([^\"]*)\"").matcher(json);
    List<String> values = new ArrayList<>();
    while (matcher.find()) {
      values.add(matcher.group(1));
    }
    return values;
  }

  /** The entries of {@code nbdinfo --map --json}. */
  static List<Extent> extents(String json) {
    Matcher matcher =
        Pattern.compile("\"offset\": (\\d+), \"length\": (\\d+), \"type\": (\\d+)").matcher(json);
    List<Extent> extents = new ArrayList<>();
    while (matcher.find()) {
      extents.add(
          new Extent(
              Long.parseLong(matcher.group(1)),
              Long.parseLong(matcher.group(2)),
              Integer.parseInt(matcher.group(3))));
    }
    return extents;
  }

  /** Joins neighbours with the same flags (a client may see a run split across its requests). */
  static List<Extent> merged(List<Extent> extents) {
    List<Extent> merged = new ArrayList<>();
    for (Extent extent : extents) {
      if (!merged.isEmpty()
          && merged.getLast().flags() == extent.flags()
          && merged.getLast().end() == extent.offset()) {
        Extent last = merged.removeLast();
        merged.add(new Extent(last.offset(), last.length() + extent.length(), last.flags()));
      } else {
        merged.add(extent);
      }
    }
    return merged;
  }
}
