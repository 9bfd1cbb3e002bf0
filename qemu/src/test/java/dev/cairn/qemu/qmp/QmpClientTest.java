package dev.cairn.qemu.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.qemu.testing.ExternalTools;
import dev.cairn.qemu.testing.StorageDaemon;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class QmpClientTest {
  @TempDir Path dir;
  private StorageDaemon daemon;

  @AfterEach
  void stopDaemon() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
  }

  private QmpClient startAndConnect() throws Exception {
    ExternalTools.require("qemu-storage-daemon", "qemu-img");
    Path image = StorageDaemon.createImage(dir, "disk0.qcow2", "qcow2", 1 << 20);
    daemon = StorageDaemon.start(dir, new StorageDaemon.Disk("disk0", image, "qcow2"));
    return QmpClient.connect(daemon.qmpSocket(), Duration.ofSeconds(30));
  }

  @Test
  void executesCommandsAndReturnsTheirResult() throws Exception {
    try (QmpClient qmp = startAndConnect()) {
      assertThat(qmp.qemuVersion()).matches("\\d+\\.\\d+\\.\\d+");
      JsonNode nodes = qmp.execute("query-named-block-nodes", Map.of("flat", true));
      assertThat(nodes.findValuesAsText("node-name")).contains("disk0", "disk0-file");
      assertThat(qmp.execute("block-dirty-bitmap-add", Map.of("node", "disk0", "name", "b0")))
          .isEmpty();
    }
  }

  @Test
  void keepsEventsForCallers() throws Exception {
    try (QmpClient qmp = startAndConnect()) {
      qmp.execute(
          "blockdev-create",
          Map.of(
              "job-id",
              "create0",
              "options",
              Map.of("driver", "file", "filename", dir.resolve("new.img").toString(), "size", 0)));
      Optional<QmpEvent> concluded =
          qmp.awaitEvent(
              e ->
                  e.name().equals("JOB_STATUS_CHANGE")
                      && e.text("id").equals("create0")
                      && e.text("status").equals("concluded"),
              Duration.ofSeconds(30));
      assertThat(concluded).isPresent();
      assertThat(concluded.get().timestamp()).isNotNull();
      qmp.execute("job-dismiss", Map.of("id", "create0"));
      assertThat(qmp.awaitEvent(e -> e.text("status").equals("null"), Duration.ofSeconds(30)))
          .isPresent();
      // The earlier status changes (created, running...) stayed queued.
      assertThat(qmp.drainEvents())
          .extracting(e -> e.text("status"))
          .contains("created", "running");
      assertThat(qmp.drainEvents()).isEmpty();
    }
  }

  @Test
  void anErrorReplyIsATypedExceptionNamingCommandSocketAndCause() throws Exception {
    try (QmpClient qmp = startAndConnect()) {
      assertThatThrownBy(
              () -> qmp.execute("block-dirty-bitmap-add", Map.of("node", "nope", "name", "b0")))
          .isInstanceOfSatisfying(
              QmpCommandException.class,
              e -> {
                assertThat(e.errorClass()).isEqualTo("GenericError");
                assertThat(e.command()).isEqualTo("block-dirty-bitmap-add");
                assertThat(e.description()).contains("nope");
              })
          .hasMessageStartingWith(
              "Cannot block-dirty-bitmap-add on QEMU at " + daemon.qmpSocket() + ": ")
          .hasMessageContaining("'nope'");
      assertThatThrownBy(() -> qmp.execute("no-such-command"))
          .isInstanceOfSatisfying(
              QmpCommandException.class,
              e -> assertThat(e.errorClass()).isEqualTo("CommandNotFound"));
      // The connection is still usable after errors.
      assertThat(qmp.execute("query-block-exports")).isEmpty();
    }
  }

  @Test
  void aMissingSocketIsOneLineNamingIt() {
    Path socket = dir.resolve("absent.sock");
    assertThatThrownBy(() -> QmpClient.connect(socket))
        .isExactlyInstanceOf(QmpException.class)
        .hasMessageStartingWith("Cannot connect to QEMU at " + socket + ": no such socket")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aSocketNobodyListensOnIsRefused() throws Exception {
    Path socket = dir.resolve("stale.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
    } // closed: the file stays, nobody listens
    assertThatThrownBy(() -> QmpClient.connect(socket))
        .isExactlyInstanceOf(QmpException.class)
        .hasMessage(
            "Cannot connect to QEMU at " + socket + ": connection refused (QEMU is not listening)");
  }

  @Test
  void aSilentServerTimesOutWithAHint() throws Exception {
    Path socket = dir.resolve("silent.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Thread accepter =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (SocketChannel ignored = server.accept()) {
                      Thread.sleep(10_000);
                    } catch (Exception e) {
                      // the test is over
                    }
                  });
      assertThatThrownBy(() -> QmpClient.connect(socket, Duration.ofMillis(300)))
          .isExactlyInstanceOf(QmpException.class)
          .hasMessageContaining("Cannot connect to QEMU at " + socket + ": no QMP greeting")
          .hasMessageContaining("another client");
      accepter.interrupt();
    }
  }

  @Test
  void aConnectionClosedByQemuFailsLaterCommandsClearly() throws Exception {
    try (QmpClient qmp = startAndConnect()) {
      daemon.kill();
      assertThatThrownBy(() -> qmp.execute("query-block"))
          .isInstanceOf(QmpException.class)
          .hasMessageStartingWith("Cannot query-block on QEMU at " + daemon.qmpSocket() + ": ");
      assertThat(qmp.isOpen()).isFalse();
    }
  }
}
