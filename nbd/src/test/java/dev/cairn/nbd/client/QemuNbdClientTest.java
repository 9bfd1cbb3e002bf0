package dev.cairn.nbd.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdUrl;
import dev.cairn.nbd.protocol.NbdProtocol;
import dev.cairn.nbd.testing.ExternalTool;
import dev.cairn.nbd.testing.NbdServerProcess;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real qemu-nbd, on raw and qcow2 images made by the test. */
@Timeout(120)
class QemuNbdClientTest {
  private static final int MIB = 1 << 20;

  @TempDir Path dir;
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable resource : resources.reversed()) {
      resource.close();
    }
  }

  private NbdServerProcess serve(String export, Path image, String... arguments)
      throws IOException {
    NbdServerProcess server = NbdServerProcess.qemuNbd(dir, export, image, arguments);
    resources.add(server);
    return server;
  }

  private NbdClient connect(NbdUrl url, NbdClientOptions options) throws IOException {
    NbdClient client = NbdClient.connect(url, options);
    resources.add(client);
    return client;
  }

  /** A sparse raw image with random data in a few places; returns its bytes. */
  private byte[] sparseRaw(Path image, int size) throws IOException {
    byte[] content = new byte[size];
    SplittableRandom random = new SplittableRandom(7);
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(size);
      for (long at : new long[] {0, 5L * MIB, 12L * MIB + 4096}) {
        if (at + MIB > size) {
          break;
        }
        byte[] data = new byte[MIB];
        random.nextBytes(data);
        file.seek(at);
        file.write(data);
        System.arraycopy(data, 0, content, (int) at, MIB);
      }
    }
    return content;
  }

  @Test
  void readsSizeFlagsAndDataOfAReadOnlyExport() throws Exception {
    Path image = dir.resolve("disk.raw");
    byte[] expected = sparseRaw(image, 16 * MIB);
    NbdServerProcess server = serve("disk", image, "-r", "-f", "raw");

    NbdClient client = connect(server.url("disk"), NbdClientOptions.defaults());

    assertThat(client.size()).isEqualTo(16L * MIB);
    assertThat(client.readOnly()).isTrue();
    assertThat(client.canMultiConn()).isTrue();
    assertThat(client.canTrim()).isFalse();
    assertThat(client.maxPayload()).isEqualTo(32 * MIB);
    assertThat(client.url()).isEqualTo(server.url("disk"));
    ByteBuffer all = ByteBuffer.allocate(16 * MIB);
    client.read(0, all);
    assertThat(all.position()).isEqualTo(16 * MIB);
    assertThat(Arrays.equals(all.array(), expected)).isTrue();

    ByteBuffer direct = ByteBuffer.allocateDirect(MIB + 1234);
    client.read(5L * MIB - 777, direct);
    byte[] read = new byte[direct.flip().remaining()];
    direct.get(read);
    assertThat(read).isEqualTo(Arrays.copyOfRange(expected, 5 * MIB - 777, 6 * MIB + 457));

    byte[] small = new byte[100];
    client.read(12L * MIB + 4000, small, 0, 100);
    assertThat(small).isEqualTo(Arrays.copyOfRange(expected, 12 * MIB + 4000, 12 * MIB + 4100));
  }

  @Test
  void severalConnectionsReadInParallel() throws Exception {
    Path image = dir.resolve("disk.raw");
    byte[] expected = sparseRaw(image, 16 * MIB);
    NbdServerProcess server = serve("disk", image, "-r", "-f", "raw");
    byte[] actual = new byte[expected.length];

    try (var workers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> reads = new ArrayList<>();
      for (int worker = 0; worker < 4; worker++) {
        int quarter = worker;
        reads.add(
            workers.submit(
                () -> {
                  try (NbdClient client =
                      NbdClient.connect(server.url("disk"), NbdClientOptions.defaults())) {
                    client.read(quarter * 4L * MIB, actual, quarter * 4 * MIB, 4 * MIB);
                  }
                  return null;
                }));
      }
      for (Future<?> read : reads) {
        read.get();
      }
    }
    assertThat(Arrays.equals(actual, expected)).isTrue();
  }

  @Test
  void readsHolesOfAQcow2ImageAsZeros() throws Exception {
    Path image = dir.resolve("disk.qcow2");
    ExternalTool.run("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "16M");
    ExternalTool.run(
        "qemu-io",
        "-f",
        "qcow2",
        "-c",
        "write -P 0xab 1M 2M",
        "-c",
        "write -P 0xcd 9M 64k",
        image.toString());
    NbdServerProcess server = serve("disk", image, "-r", "-f", "qcow2");
    NbdClient client =
        connect(
            server.url("disk"),
            NbdClientOptions.defaults().withMetaContexts(List.of(NbdProtocol.BASE_ALLOCATION)));

    byte[] actual = new byte[16 * MIB];
    Arrays.fill(actual, (byte) 0x55); // holes must overwrite what the buffer held
    client.read(0, actual, 0, actual.length);

    byte[] expected = new byte[16 * MIB];
    Arrays.fill(expected, MIB, 3 * MIB, (byte) 0xab);
    Arrays.fill(expected, 9 * MIB, 9 * MIB + 65536, (byte) 0xcd);
    assertThat(Arrays.equals(actual, expected)).isTrue();
    assertThat(Extents.all(client, NbdProtocol.BASE_ALLOCATION))
        .isEqualTo(Extents.nbdinfo(server.url("disk"), NbdProtocol.BASE_ALLOCATION))
        .contains(new Extent(MIB, 2 * MIB, 0));
  }

  @Test
  void baseAllocationOfASparseRawImageMatchesNbdinfo() throws Exception {
    Path image = dir.resolve("disk.raw");
    sparseRaw(image, 16 * MIB);
    NbdServerProcess server = serve("disk", image, "-r", "-f", "raw");
    NbdClient client =
        connect(
            server.url("disk"),
            NbdClientOptions.defaults().withMetaContexts(List.of(NbdProtocol.BASE_ALLOCATION)));

    List<Extent> extents = Extents.all(client, NbdProtocol.BASE_ALLOCATION);

    assertThat(extents).isEqualTo(Extents.nbdinfo(server.url("disk"), NbdProtocol.BASE_ALLOCATION));
    assertThat(extents).contains(new Extent(0, MIB, 0));
    assertThat(extents).anySatisfy(extent -> assertThat(extent.flags()).isEqualTo(3));
    List<Extent> clipped = client.blockStatus(NbdProtocol.BASE_ALLOCATION, 4096, 8192);
    assertThat(clipped).containsExactly(new Extent(4096, 8192, 0));
  }

  @Test
  void dirtyBitmapContextMatchesNbdinfo() throws Exception {
    Path image = dir.resolve("disk.qcow2");
    String path = image.toString();
    ExternalTool.run("qemu-img", "create", "-q", "-f", "qcow2", path, "16M");
    ExternalTool.run("qemu-io", "-f", "qcow2", "-c", "write -P 1 0 1M", path);
    ExternalTool.run("qemu-img", "bitmap", "--add", path, "bm0");
    ExternalTool.run(
        "qemu-io", "-f", "qcow2", "-c", "write -P 2 64k 64k", "-c", "write -P 3 5M 192k", path);
    // qemu 7.2 refuses to export a bitmap that is still recording.
    ExternalTool.run("qemu-img", "bitmap", "--disable", path, "bm0");
    NbdServerProcess server = serve("disk", image, "-r", "-f", "qcow2", "-B", "bm0");
    String bitmap = NbdProtocol.QEMU_DIRTY_BITMAP_PREFIX + "bm0";
    NbdClient client =
        connect(
            server.url("disk"),
            NbdClientOptions.defaults()
                .withMetaContexts(List.of(NbdProtocol.BASE_ALLOCATION, bitmap)));

    List<Extent> dirty = Extents.all(client, bitmap);

    assertThat(dirty).isEqualTo(Extents.nbdinfo(server.url("disk"), bitmap));
    assertThat(dirty.stream().filter(extent -> extent.flags() == NbdProtocol.STATE_DIRTY))
        .containsExactly(new Extent(65536, 65536, 1), new Extent(5L * MIB, 196608, 1));
    assertThat(client.metaContexts()).contains(bitmap, NbdProtocol.BASE_ALLOCATION);
  }

  @Test
  void aBitmapTheExportLacksFailsTheConnectNamingIt() throws Exception {
    Path image = dir.resolve("disk.qcow2");
    ExternalTool.run("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "1M");
    ExternalTool.run("qemu-img", "bitmap", "--add", "--disable", image.toString(), "bm0");
    NbdServerProcess server = serve("disk", image, "-r", "-f", "qcow2", "-B", "bm0");

    assertThatThrownBy(
            () ->
                NbdClient.connect(
                    server.url("disk"),
                    NbdClientOptions.defaults().withMetaContexts(List.of("qemu:dirty-bitmap:bm1"))))
        .isInstanceOf(NbdException.class)
        .hasMessageContaining("qemu:dirty-bitmap:bm1")
        .hasMessageContaining("export 'disk'");
  }

  @Test
  void writesZeroesTrimsAndFlushesAWritableExport() throws Exception {
    Path image = dir.resolve("disk.raw");
    Path expected = dir.resolve("expected.raw");
    int size = 48 * MIB;
    byte[] content = new byte[size];
    new SplittableRandom(11).nextBytes(content);
    Files.write(image, content);
    NbdServerProcess server = serve("disk", image, "-f", "raw", "--discard=unmap");
    NbdClient client = connect(server.url("disk"), NbdClientOptions.defaults());
    assertThat(client.readOnly()).isFalse();
    assertThat(client.canWriteZeroes()).isTrue();
    assertThat(client.canTrim()).isTrue();
    assertThat(client.canFlush()).isTrue();

    SplittableRandom random = new SplittableRandom(12);
    byte[] big = new byte[36 * MIB]; // larger than maxPayload: many requests, several in flight
    random.nextBytes(big);
    ByteBuffer heap = ByteBuffer.wrap(big);
    client.write(4L * MIB, heap);
    assertThat(heap.hasRemaining()).isFalse();
    System.arraycopy(big, 0, content, 4 * MIB, big.length);
    ByteBuffer direct = ByteBuffer.allocateDirect(MIB);
    byte[] small = new byte[MIB];
    random.nextBytes(small);
    client.write(41L * MIB + 512, direct.put(small).flip());
    System.arraycopy(small, 0, content, 41 * MIB + 512, MIB);
    client.writeZeroes(MIB, 2 * MIB);
    Arrays.fill(content, MIB, 3 * MIB, (byte) 0);
    client.trim(44L * MIB, 2 * MIB); // qemu-nbd --discard=unmap punches a hole: reads as zeros
    Arrays.fill(content, 44 * MIB, 46 * MIB, (byte) 0);
    client.flush();
    client.close();
    Files.write(expected, content);

    ExternalTool.run(
        "qemu-img", "compare", "-f", "raw", "-F", "raw", expected.toString(), image.toString());
  }

  @Test
  void writingToAReadOnlyExportFailsWithoutSending() throws Exception {
    Path image = dir.resolve("disk.raw");
    sparseRaw(image, 2 * MIB);
    NbdServerProcess server = serve("disk", image, "-r", "-f", "raw");
    NbdClient client = connect(server.url("disk"), NbdClientOptions.defaults());

    assertThatThrownBy(() -> client.write(0, ByteBuffer.allocate(512)))
        .isInstanceOf(NbdException.class)
        .hasMessageContaining("read-only")
        .hasMessageContaining("nbd+unix:///disk");
    byte[] stillUsable = new byte[512];
    client.read(0, stillUsable, 0, 512);
  }

  @Test
  void listsExportsAndRefusesAnUnknownOne() throws Exception {
    Path image = dir.resolve("disk.raw");
    sparseRaw(image, MIB * 2);
    NbdServerProcess server = serve("disk", image, "-r", "-f", "raw");

    assertThat(NbdClient.listExports(server.url(""), NbdClientOptions.defaults()))
        .containsExactly("disk");
    assertThatThrownBy(() -> NbdClient.connect(server.url("nope"), NbdClientOptions.defaults()))
        .isInstanceOf(NbdException.class)
        .hasMessageStartingWith("Cannot connect to nbd+unix:///nope?socket=")
        .hasMessageContaining("no export 'nope'");
  }

  @Test
  void rangesOutsideTheExportAreCallerErrors() throws Exception {
    Path image = dir.resolve("disk.raw");
    sparseRaw(image, 2 * MIB);
    NbdServerProcess server = serve("disk", image, "-r", "-f", "raw");
    NbdClient client = connect(server.url("disk"), NbdClientOptions.defaults());

    assertThatThrownBy(() -> client.read(2L * MIB - 10, ByteBuffer.allocate(11)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the export has 2097152 bytes");
    assertThatThrownBy(() -> client.blockStatus(NbdProtocol.BASE_ALLOCATION, 0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was not negotiated");
  }
}
