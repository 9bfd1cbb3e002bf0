package dev.cairn.vsphere.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.client.NbdClientOptions;
import dev.cairn.nbd.testing.ExternalTool;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NBD servers started per disk from a command template, with real nbdkit processes: they listen in
 * a private directory, get the password file, and are gone with the directory after close; a
 * command that exits, cannot run or never listens fails naming the disk, the program and its
 * output.
 */
class NbdDiskServersTest {
  private static final Duration START = Duration.ofSeconds(30);

  @TempDir Path work;
  final List<String> warnings = new ArrayList<>();

  @BeforeEach
  void requireNbdkit() {
    ExternalTool.require("nbdkit");
  }

  private NbdDiskServers servers(String template) throws Exception {
    return NbdDiskServers.create(
        NbdCommand.parse(template),
        work,
        Map.of("server", "vc.example", "user", "backup@vsphere.local"),
        "s3cret pass",
        START,
        warnings::add);
  }

  private static long pidIn(Path file) throws Exception {
    for (int i = 0; i < 200 && !Files.exists(file); i++) {
      Thread.sleep(50);
    }
    return Long.parseLong(Files.readString(file).strip());
  }

  @Test
  void serversListenInAPrivateDirectoryAndAreGoneWithItAfterClose() throws Exception {
    NbdDiskServers servers =
        servers(
            "sh -c 'echo $$ > \"$1.pid\"; exec nbdkit --exit-with-parent --readonly -U \"$1\""
                + " memory size=1M' sh {socket} {passwordFile} {user}");
    Path directory = servers.directory();
    assertThat(directory.getParent()).isEqualTo(work);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)))
        .isEqualTo("rwx------");
    Path password = directory.resolve("vcenter-password");
    assertThat(Files.readString(password, StandardCharsets.UTF_8)).isEqualTo("s3cret pass");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(password)))
        .isEqualTo("rw-------");

    List<Long> pids = new ArrayList<>();
    for (String disk : List.of("disk-2000", "disk-2001")) {
      NbdDiskServers.Server server = servers.start("Hard disk", disk, Map.of());
      assertThat(server.url().socket()).contains(directory.resolve(disk + ".sock"));
      try (NbdClient client = NbdClient.connect(server.url(), NbdClientOptions.defaults())) {
        assertThat(client.size()).isEqualTo(1 << 20);
      }
      pids.add(pidIn(directory.resolve(disk + ".sock.pid")));
    }
    assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isPresent());

    servers.close();
    servers.close(); // idempotent

    assertThat(directory).doesNotExist();
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    }
    assertThat(warnings).isEmpty();
  }

  @Test
  void aCommandWithoutThePasswordFileGetsNone() throws Exception {
    try (NbdDiskServers servers =
        servers("nbdkit --exit-with-parent --readonly -U {socket} memory size=64K")) {
      servers.start("Hard disk 1", "disk-2000", Map.of());
      assertThat(servers.directory().resolve("vcenter-password")).doesNotExist();
    }
  }

  @Test
  void closeAlsoStopsWhatAWrapperStartedInTheBackground() throws Exception {
    NbdDiskServers servers =
        servers(
            "sh -c 'nbdkit -f --readonly -U \"$1\" memory size=64K & echo $! > \"$1.child\"; wait'"
                + " sh {socket}");
    servers.start("Hard disk 1", "disk-2000", Map.of());
    long child = pidIn(servers.directory().resolve("disk-2000.sock.child"));
    assertThat(ProcessHandle.of(child)).isPresent();

    servers.close();

    assertThat(ProcessHandle.of(child).filter(ProcessHandle::isAlive)).isEmpty();
  }

  @Test
  void aCommandThatExitsAtOnceFailsWithItsStatusAndOutput() throws Exception {
    try (NbdDiskServers servers =
        servers("sh -c 'echo \"nbdkit: error: no VDDK here\" >&2; exit 3' sh {socket}")) {
      assertThatThrownBy(() -> servers.start("Hard disk 1", "disk-2000", Map.of()))
          .isInstanceOfSatisfying(
              CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SOURCE_FAILED))
          .hasMessageContaining("Cannot start the NBD server for disk Hard disk 1")
          .hasMessageContaining("sh exited with status 3")
          .hasMessageContaining("nbdkit: error: no VDDK here")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void aServerThatGoesToTheBackgroundIsToldToStayInTheForeground() throws Exception {
    try (NbdDiskServers servers = servers("sh -c 'exit 0' sh {socket}")) {
      assertThatThrownBy(() -> servers.start("Hard disk 1", "disk-2000", Map.of()))
          .hasMessageContaining("exited with status 0 (a server must stay in the foreground");
    }
  }

  @Test
  void aProgramThatCannotRunIsNamed() throws Exception {
    try (NbdDiskServers servers = servers("no-such-nbd-server-4711 -U {socket}")) {
      assertThatThrownBy(() -> servers.start("Hard disk 1", "disk-2000", Map.of()))
          .isInstanceOf(CairnException.class)
          .hasMessageContaining("cannot run no-such-nbd-server-4711");
    }
  }

  @Test
  void aServerThatNeverListensIsStoppedAfterTheStartTimeout() throws Exception {
    try (NbdDiskServers servers =
        NbdDiskServers.create(
            NbdCommand.parse("sh -c 'echo waiting; echo $$ > \"$1.pid\"; sleep 600' sh {socket}"),
            work,
            Map.of(),
            "",
            Duration.ofSeconds(1),
            warnings::add)) {
      assertThatThrownBy(() -> servers.start("Hard disk 1", "disk-2000", Map.of()))
          .isInstanceOf(CairnException.class)
          .hasMessageContaining("sh did not listen on " + servers.directory())
          .hasMessageContaining("its output: waiting");
      long pid = pidIn(servers.directory().resolve("disk-2000.sock.pid"));
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    }
  }

  @Test
  void aSocketPathTooLongForUnixSocketsIsRefusedBeforeStarting() throws Exception {
    Path deep = Files.createDirectories(work.resolve("d".repeat(100)));
    try (NbdDiskServers servers =
        NbdDiskServers.create(
            NbdCommand.parse("nbdkit -U {socket} memory size=64K"),
            deep,
            Map.of(),
            "",
            START,
            warnings::add)) {
      assertThatThrownBy(() -> servers.start("Hard disk 1", "disk-2000", Map.of()))
          .isInstanceOf(CairnException.class)
          .hasMessageContaining("longer than the 107 bytes");
    }
  }
}
