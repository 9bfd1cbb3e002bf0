package dev.cairn.nbd.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.protocol.NbdProtocol;
import dev.cairn.nbd.testing.NbdServerProcess;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Faults injected by nbdkit filters: errors, stalls, refused names, a server that dies. */
@Timeout(120)
class NbdkitClientTest {
  @TempDir Path dir;
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable resource : resources.reversed()) {
      resource.close();
    }
  }

  private NbdServerProcess nbdkit(String... arguments) throws Exception {
    NbdServerProcess server = NbdServerProcess.nbdkit(dir, arguments);
    resources.add(server);
    return server;
  }

  @Test
  void aReadErrorFailsThatReadOnlyNamingTheExportAndEio() throws Exception {
    NbdServerProcess server = nbdkit("--filter=error", "memory", "1M", "error-pread-rate=100%");
    try (NbdClient client = NbdClient.connect(server.url("scratch"), NbdClientOptions.defaults())) {
      assertThatThrownBy(() -> client.read(0, ByteBuffer.allocate(4096)))
          .isInstanceOfSatisfying(
              NbdException.class, e -> assertThat(e.errno()).isEqualTo(NbdProtocol.EIO))
          .hasMessageStartingWith("Cannot read 4096 bytes at offset 0 from nbd+unix:///scratch")
          .hasMessageContaining("EIO");

      client.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3, 4})); // the connection is still usable
      client.flush();
    }
  }

  @Test
  void aStalledServerTimesOutAndClosesTheConnection() throws Exception {
    NbdServerProcess server = nbdkit("--filter=delay", "memory", "1M", "delay-read=30");
    NbdClientOptions options = NbdClientOptions.defaults().withIoTimeout(Duration.ofMillis(500));
    try (NbdClient client = NbdClient.connect(server.url("slow"), options)) {
      assertThatThrownBy(() -> client.read(0, ByteBuffer.allocate(4096)))
          .isInstanceOf(NbdException.class)
          .hasMessageContaining("nbd+unix:///slow")
          .hasMessageContaining("timed out after 500 ms")
          .hasMessageEndingWith("connection closed");
      assertThatThrownBy(() -> client.flush())
          .isInstanceOf(NbdException.class)
          .hasMessageContaining("the connection is closed (timed out");
    }
    server.kill(); // nbdkit would otherwise finish the delayed read before exiting
  }

  @Test
  void aServerKilledDuringAReadFailsIt() throws Exception {
    NbdServerProcess server = nbdkit("--filter=delay", "memory", "64M", "delay-read=2");
    try (NbdClient client = NbdClient.connect(server.url("dying"), NbdClientOptions.defaults());
        var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<?> read =
          executor.submit(
              () -> {
                client.read(0, ByteBuffer.allocate(16 << 20));
                return null;
              });
      server.kill();

      assertThatThrownBy(read::get)
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(NbdException.class)
          .hasMessageContaining("nbd+unix:///dying")
          .hasMessageEndingWith("connection closed");
      assertThatThrownBy(() -> client.read(0, ByteBuffer.allocate(512)))
          .isInstanceOf(NbdException.class)
          .hasMessageContaining("the connection is closed");
    }
  }

  @Test
  void strictExportNamesAreListedAndAnUnknownOneIsRefused() throws Exception {
    NbdServerProcess server =
        nbdkit(
            "--filter=exportname",
            "memory",
            "1M",
            "exportname=alpha",
            "exportname=beta",
            "exportname-strict=true",
            "exportname-list=explicit");

    assertThat(NbdClient.listExports(server.url(""), NbdClientOptions.defaults()))
        .containsExactly("alpha", "beta");
    assertThatThrownBy(() -> NbdClient.connect(server.url("gamma"), NbdClientOptions.defaults()))
        .isInstanceOf(NbdException.class)
        .hasMessageContaining("nbd+unix:///gamma")
        .hasMessageContaining("no export 'gamma'");
    NbdClient.connect(server.url("beta"), NbdClientOptions.defaults()).close();
  }

  @Test
  void aBitmapContextNbdkitDoesNotHaveFailsTheConnect() throws Exception {
    NbdServerProcess server = nbdkit("memory", "1M");

    assertThatThrownBy(
            () ->
                NbdClient.connect(
                    server.url("vm-disk"),
                    NbdClientOptions.defaults()
                        .withMetaContexts(
                            List.of(NbdProtocol.BASE_ALLOCATION, "qemu:dirty-bitmap:missing"))))
        .isInstanceOf(NbdException.class)
        .hasMessageContaining("'qemu:dirty-bitmap:missing'")
        .hasMessageContaining("export 'vm-disk'");
  }

  @Test
  void writeZeroesFallsBackToWritingZerosWhenTheServerCannot() throws Exception {
    NbdServerProcess server = nbdkit("--filter=nozero", "memory", "8M");
    try (NbdClient client = NbdClient.connect(server.url(""), NbdClientOptions.defaults())) {
      assertThat(client.canWriteZeroes()).isFalse();
      byte[] data = new byte[8 << 20];
      new SplittableRandom(3).nextBytes(data);
      client.write(0, ByteBuffer.wrap(data));

      client.writeZeroes(1 << 20, 5 << 20);

      byte[] read = new byte[data.length];
      client.read(0, read, 0, read.length);
      Arrays.fill(data, 1 << 20, 6 << 20, (byte) 0);
      assertThat(Arrays.equals(read, data)).isTrue();
    }
  }

  @Test
  void aServerShuttingDownEndsTheConnection() throws Exception {
    NbdServerProcess server =
        nbdkit("--filter=error", "memory", "1M", "error=ESHUTDOWN", "error-pread-rate=100%");
    try (NbdClient client = NbdClient.connect(server.url(""), NbdClientOptions.defaults())) {
      assertThatThrownBy(() -> client.read(0, ByteBuffer.allocate(512)))
          .isInstanceOfSatisfying(
              NbdException.class, e -> assertThat(e.errno()).isEqualTo(NbdProtocol.ESHUTDOWN))
          .hasMessageContaining("ESHUTDOWN");
      assertThatThrownBy(client::flush)
          .isInstanceOf(NbdException.class)
          .hasMessageContaining("the server is shutting down");
    }
  }
}
