package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.CairnProcess.Result;
import dev.cairn.nbd.testing.ExternalTool;
import dev.cairn.vsphere.backup.VmLookup;
import dev.cairn.vsphere.backup.VsphereBackupSession;
import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.testing.VcSim;
import dev.cairn.vsphere.transport.DatastorePath;
import dev.cairn.vsphere.vim.VimClient;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn backup --vsphere --transport nbd} as a separate process against cairn-vcsim, with
 * nbdkit's file plugin standing in for its vddk plugin: the simulator keeps each snapshot's frozen
 * bytes in {@code <datastore>/<dir>/<name>-snapshot-N-flat.vmdk}, which is what {@code {flatPath}}
 * of the snapshot's disk names. A full and a CBT incremental restore byte for byte; the servers,
 * their sockets and the password file are gone afterwards; a server that exits at once fails the
 * backup with its output, commits nothing and leaves no snapshot.
 */
class VsphereNbdBackupEndToEndTest {
  static VcSim sim;
  @TempDir Path directory;
  Path nbdWork;

  @BeforeAll
  static void start() throws Exception {
    sim = VcSim.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (sim != null) {
      sim.close();
    }
  }

  @BeforeEach
  void requireNbdkit() throws Exception {
    ExternalTool.require("nbdkit");
    nbdWork = Files.createDirectories(directory.resolve("nbd"));
  }

  private CairnProcess cairn() {
    return CairnProcess.in(directory, "repo-secret")
        .withEnvironment("CAIRN_VSPHERE_PASSWORD", null);
  }

  private Path passwordFile() throws Exception {
    Path file = directory.resolve("vsphere-password");
    Files.writeString(file, sim.password() + "\n");
    return file;
  }

  private Result backup(CairnRepository repository, String vm, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "backup",
                "--vm",
                vm,
                "--vsphere",
                sim.url().toString(),
                "--user",
                sim.user(),
                "--vsphere-password-file",
                passwordFile().toString(),
                "--thumbprint",
                sim.thumbprint(),
                "--json"));
    args.addAll(Arrays.asList(more));
    return repository.run(args.toArray(String[]::new));
  }

  /** The n-th VM of the inventory: its name, the live flat file of its first disk, its store. */
  private record TestVm(String name, Path flat, Path datastore) {}

  private TestVm vm(int index) throws Exception {
    try (VimClient client = connect()) {
      var vm = new dev.cairn.vsphere.inventory.InventoryReader(client).read(null).vms().get(index);
      DatastorePath descriptor = DatastorePath.parse(vm.disks().getFirst().fileName());
      Path datastore = sim.datastoreDirectory(descriptor.datastore());
      return new TestVm(
          vm.name(),
          datastore.resolve(descriptor.path().replace(".vmdk", "-flat.vmdk")),
          datastore);
    }
  }

  private static VimClient connect() throws Exception {
    VimClient client =
        VimClient.connect(
            sim.url(),
            new TrustOptions.PinnedThumbprint(sim.thumbprint()),
            SoapOptions.defaults(),
            w -> {});
    client.login(sim.user(), sim.password());
    return client;
  }

  private static List<String> cairnSnapshots(String vm) throws Exception {
    try (VimClient client = connect()) {
      return VsphereBackupSession.cairnSnapshots(client, VmLookup.find(client, vm));
    }
  }

  private static void write(Path flat, long offset, int length, long seed) throws Exception {
    byte[] data = new byte[length];
    new SplittableRandom(seed).nextBytes(data);
    try (FileChannel channel = FileChannel.open(flat, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(data), offset);
    }
  }

  private List<Path> leftInNbdWork() throws Exception {
    try (Stream<Path> files = Files.list(nbdWork)) {
      return files.toList();
    }
  }

  /**
   * A wrapper that records what Cairn gave it (line "key value"), checks the password file, then
   * becomes nbdkit serving {@code $3}.
   */
  private Path recordingWrapper(Path record) throws Exception {
    Path script = directory.resolve("serve-disk.sh");
    Files.writeString(
        script,
        """
        #!/bin/sh
        # $1 socket, $2 password file, $3 the snapshot's flat file, $4 vm, $5 snapshot,
        # $6 thumbprint, $7 the datastore path of the snapshot's disk
        {
          echo "pid $$"
          echo "socket $1"
          echo "passwordFile $2"
          echo "passwordMode $(stat -c %%a "$2")"
          echo "directoryMode $(stat -c %%a "$(dirname "$1")")"
          if [ "$(cat "$2")" = '%s' ]; then echo "password right"; else echo "password wrong"; fi
          echo "vm $4"
          echo "snapshot $5"
          echo "thumbprint $6"
          echo "file $7"
        } >> '%s'
        exec nbdkit --exit-with-parent --readonly -U "$1" file "$3"
        """
            .formatted(sim.password(), record));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  private static Map<String, String> recorded(Path record) throws Exception {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : Files.readAllLines(record)) {
      int blank = line.indexOf(' ');
      values.put(line.substring(0, blank), line.substring(blank + 1));
    }
    return values;
  }

  @Test
  void aFullAndACbtIncrementalOverNbdRestoreByteForByteAndLeaveNothingRunning() throws Exception {
    TestVm vm = vm(0);
    write(vm.flat(), 0, 1 << 20, 11);
    write(vm.flat(), 7L << 20, 1 << 19, 12);
    CairnRepository repository = CairnRepository.init(cairn(), directory.resolve("repo"));

    JsonNode full =
        backup(
                repository,
                vm.name(),
                "--transport",
                "nbd",
                "--nbd-work-dir",
                nbdWork.toString(),
                "--nbd-command",
                "nbdkit --exit-with-parent --readonly -U {socket} file '"
                    + vm.datastore()
                    + "/{flatPath}'")
            .assertSuccess()
            .json();
    assertThat(full.path("incremental").asBoolean()).isFalse();
    repository.assertRestores(full.path("id").asText(), 0, vm.flat());
    assertThat(leftInNbdWork()).isEmpty();

    write(vm.flat(), 3L << 20, 65536, 13);
    Path record = directory.resolve("record.txt");
    JsonNode incremental =
        backup(
                repository,
                vm.name(),
                "--transport",
                "nbd",
                "--nbd-work-dir",
                nbdWork.toString(),
                "--nbd-command",
                recordingWrapper(record)
                    + " {socket} {passwordFile} '"
                    + vm.datastore()
                    + "/{flatPath}' {vm} {snapshot} {thumbprint} {file}")
            .assertSuccess()
            .json();
    assertThat(incremental.path("incremental").asBoolean()).isTrue();
    assertThat(incremental.path("bytesRead").asLong()).isEqualTo(65536);
    repository.assertRestores(incremental.path("id").asText(), 0, vm.flat());
    JsonNode point = repository.points().get(1);
    assertThat(point.path("disks").get(0).path("source").asText())
        .startsWith("[")
        .contains("-snapshot-")
        .endsWith(".vmdk over nbd");

    Map<String, String> seen = recorded(record);
    assertThat(seen)
        .containsEntry("passwordMode", "600")
        .containsEntry("directoryMode", "700")
        .containsEntry("password", "right");
    assertThat(seen.get("vm")).matches("vm-\\d+");
    assertThat(seen.get("snapshot")).matches("snapshot-\\d+");
    assertThat(seen.get("thumbprint")).matches("([0-9A-F]{2}:){19}[0-9A-F]{2}");
    assertThat(seen.get("file")).startsWith("[").contains("-snapshot-").endsWith(".vmdk");
    assertThat(Path.of(seen.get("socket")).getParent().getParent()).isEqualTo(nbdWork);
    assertThat(ProcessHandle.of(Long.parseLong(seen.get("pid"))).filter(ProcessHandle::isAlive))
        .isEmpty();
    assertThat(Path.of(seen.get("socket"))).doesNotExist();
    assertThat(Path.of(seen.get("passwordFile"))).doesNotExist();
    assertThat(leftInNbdWork()).isEmpty();
    assertThat(cairnSnapshots(vm.name())).isEmpty();
    repository.assertCheckPasses("--read-data");
  }

  @Test
  void aServerThatExitsAtOnceFailsTheBackupCommitsNothingAndLeavesNoSnapshot() throws Exception {
    TestVm vm = vm(1);
    CairnRepository repository = CairnRepository.init(cairn(), directory.resolve("repo"));

    backup(
            repository,
            vm.name(),
            "--transport",
            "nbd",
            "--nbd-work-dir",
            nbdWork.toString(),
            "--nbd-command",
            "sh -c 'echo \"nbdkit: error: cannot open VDDK\" >&2; exit 1' sh {socket}")
        .assertFailure(7, "sh exited with status 1", "nbdkit: error: cannot open VDDK");

    assertThat(repository.pointIds()).isEmpty();
    assertThat(cairnSnapshots(vm.name())).isEmpty();
    assertThat(leftInNbdWork()).isEmpty();
  }

  @Test
  void theVddkShorthandRunsNbdkitAndSaysWhenItCannot() throws Exception {
    TestVm vm = vm(1);
    CairnRepository repository = CairnRepository.init(cairn(), directory.resolve("repo"));

    // This machine's nbdkit has no vddk plugin (or no VDDK in this directory): nbdkit exits.
    backup(
            repository,
            vm.name(),
            "--transport",
            "nbd",
            "--nbd-work-dir",
            nbdWork.toString(),
            "--nbdkit-vddk",
            directory.resolve("no-vddk-here").toString())
        .assertFailure(7, "Cannot start the NBD server for disk", "nbdkit exited with status");

    assertThat(repository.pointIds()).isEmpty();
    assertThat(cairnSnapshots(vm.name())).isEmpty();
    assertThat(leftInNbdWork()).isEmpty();
  }

  @Test
  void transportOptionsAreCheckedBeforeConnecting() throws Exception {
    CairnRepository repository = CairnRepository.init(cairn(), directory.resolve("repo"));

    backup(repository, "any", "--transport", "nbd")
        .assertFailure(2, "--transport nbd: give --nbdkit-vddk LIBDIR or --nbd-command TEMPLATE");
    backup(repository, "any", "--nbd-command", "nbdkit -U {socket} memory 1M")
        .assertFailure(2, "go with --transport nbd");
    backup(repository, "any", "--transport", "nbd", "--nbd-command", "nbdkit file {file}")
        .assertFailure(2, "Cannot use --nbd-command: the command never names {socket}");
    backup(repository, "any", "--transport", "hotadd").assertFailure(2, "give https or nbd");
  }
}
