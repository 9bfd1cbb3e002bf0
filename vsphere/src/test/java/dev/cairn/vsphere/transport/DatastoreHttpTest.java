package dev.cairn.vsphere.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DatastoreHttpTest {
  private static final DatastorePath FLAT = DatastorePath.parse("[ds 1] web 01/web 01-flat.vmdk");

  private FolderServer server;
  private DatastoreHttp http;
  private final byte[] disk = new byte[1 << 20];

  @BeforeEach
  void start() throws IOException {
    new SplittableRandom(7).nextBytes(disk);
    server = new FolderServer();
    server.files.put(FLAT.toString(), disk);
    http =
        new DatastoreHttp(
            HttpClient.newHttpClient(),
            server.uri(),
            "DC0",
            builder -> builder.header("Cookie", FolderServer.COOKIE),
            Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void urlsEncodeSpacesInPathsAndQueryAsPercentTwenty() {
    assertThat(http.uriOf(FLAT).toString())
        .isEqualTo(server.uri() + "/folder/web%2001/web%2001-flat.vmdk?dcPath=DC0&dsName=ds%201");
  }

  @Test
  void rangedReadsFromManyThreadsReturnExactlyTheirBytes() throws Exception {
    SplittableRandom random = new SplittableRandom(11);
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Object>> reads =
          java.util.stream.IntStream.range(0, 64)
              .mapToObj(
                  i -> {
                    int position = random.nextInt(disk.length - 1);
                    int length = 1 + random.nextInt(Math.min(200_000, disk.length - position));
                    return threads.submit(
                        () -> {
                          byte[] target = new byte[length + 8];
                          http.read(FLAT, position, target, 4, length);
                          assertThat(Arrays.copyOfRange(target, 4, 4 + length))
                              .isEqualTo(Arrays.copyOfRange(disk, position, position + length));
                          return null;
                        });
                  })
              .toList();
      for (Future<Object> read : reads) {
        read.get();
      }
    }
  }

  @Test
  void aServerThatIgnoresTheRangeOrSendsTooLittleIsAnErrorNamingFileAndOffset() {
    server.ignoreRange = true;
    assertThatThrownBy(() -> http.read(FLAT, 4096, new byte[100], 0, 100))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "Cannot read [ds 1] web 01/web 01-flat.vmdk at offset 4096: the server ignored the byte range");

    server.ignoreRange = false;
    server.shortBodies = true;
    assertThatThrownBy(() -> http.read(FLAT, 4096, new byte[100], 0, 100))
        .hasMessageContaining("at offset 4096")
        .hasMessageContaining("50 of 100 bytes");
  }

  @Test
  void aMissingFileIsNamedAndTheCookieNeverAppearsInErrors() {
    DatastorePath missing = DatastorePath.parse("[ds 1] gone/gone-flat.vmdk");

    assertThatThrownBy(() -> http.read(missing, 0, new byte[10], 0, 10))
        .hasMessage("Cannot read [ds 1] gone/gone-flat.vmdk at offset 0: HTTP 404")
        .satisfies(e -> assertThat(e.toString()).doesNotContain("secret-session"));
  }

  @Test
  void theDiskSourceRetriesADroppedConnectionAndFailsAfterItsAttempts() throws Exception {
    DatastoreDiskSource source =
        new DatastoreDiskSource(http, FLAT, "disk-2000", disk.length, Optional.empty(), () -> {});
    byte[] target = new byte[65536];

    server.dropsLeft.set(1);
    int before = server.requests.get();
    source.read(65536, target, 0, target.length);
    assertThat(server.requests.get() - before).isEqualTo(2);
    assertThat(target).isEqualTo(Arrays.copyOfRange(disk, 65536, 131072));

    server.dropsLeft.set(DatastoreDiskSource.ATTEMPTS);
    assertThatThrownBy(() -> source.read(0, target, 0, target.length))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(
            "Cannot read disk disk-2000 ([ds 1] web 01/web 01-flat.vmdk) at offset 0 after 3 attempts");
    assertThatThrownBy(() -> source.read(disk.length - 10, target, 0, 11))
        .hasMessageContaining("beyond its end");
  }

  @Test
  void theFlatFileIsFoundThroughTheDescriptorAndDeltaDisksAreRefused() throws Exception {
    DatastorePath descriptor = DatastorePath.parse("[ds 1] web 01/web 01.vmdk");
    server.files.put(
        descriptor.toString(),
        """
        # Disk DescriptorFile
        version=1
        CID=fffffffe
        parentCID=ffffffff
        createType="vmfs"

        # Extent description
        RW 2048 VMFS "web 01-flat.vmdk"

        ddb.adapterType = "lsilogic"
        """
            .getBytes(StandardCharsets.US_ASCII));
    DatastorePath delta = DatastorePath.parse("[ds 1] web 01/web 01-000001.vmdk");
    server.files.put(
        delta.toString(),
        """
        # Disk DescriptorFile
        createType="seSparse"
        parentFileNameHint="web 01.vmdk"
        RW 2048 SESPARSE "web 01-000001-sesparse.vmdk"
        """
            .getBytes(StandardCharsets.US_ASCII));
    DatastorePath raw = DatastorePath.parse("[ds 1] raw/raw.vmdk");
    server.files.put(raw.toString(), disk);

    assertThat(http.flatFileOf(descriptor)).isEqualTo(FLAT);
    assertThat(http.flatFileOf(FLAT)).isEqualTo(FLAT);
    assertThat(http.flatFileOf(raw)).isEqualTo(raw);
    assertThatThrownBy(() -> http.flatFileOf(delta))
        .hasMessage(
            "Cannot read disk [ds 1] web 01/web 01-000001.vmdk over the datastore HTTP transport:"
                + " it is not one flat extent (SESPARSE web 01-000001-sesparse.vmdk); a VM with"
                + " older snapshots needs the nbd transport");
    assertThatThrownBy(() -> http.flatFileOf(DatastorePath.parse("[ds 1] none/none.vmdk")))
        .hasMessageContaining("no such file");
  }

  @Test
  void anUploadReplacesTheFile() throws Exception {
    DatastorePath target = DatastorePath.parse("[ds 1] new/new-flat.vmdk");

    http.upload(target, HttpRequest.BodyPublishers.ofByteArray(disk));

    assertThat(server.files.get(target.toString())).isEqualTo(disk);
  }
}
