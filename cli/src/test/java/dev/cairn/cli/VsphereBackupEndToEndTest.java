package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.CairnProcess.Result;
import dev.cairn.vsphere.testing.VcSim;
import dev.cairn.vsphere.transport.DatastorePath;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn backup --vsphere} as a separate process against cairn-vcsim: a full and a CBT
 * incremental restore byte for byte, the incremental reads only the changed block, and failures
 * (wrong password, untrusted certificate, unknown VM, snapshot refused, reads that keep failing)
 * commit nothing. (That no snapshot is left is proven in the vsphere module's tests.)
 */
class VsphereBackupEndToEndTest {
  static VcSim sim;
  @TempDir Path directory;

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

  @AfterEach
  void clearFaults() throws Exception {
    sim.clearFaults();
  }

  private CairnProcess cairn() {
    return CairnProcess.in(directory, "repo-secret")
        .withEnvironment("CAIRN_VSPHERE_PASSWORD", null);
  }

  private Path passwordFile(String password) throws Exception {
    Path file = directory.resolve("vsphere-password");
    Files.writeString(file, password + "\n");
    return file;
  }

  private Result backup(CairnRepository repository, String vm, String password, String... more)
      throws Exception {
    String[] base = {
      "backup",
      "--vm",
      vm,
      "--vsphere",
      sim.url().toString(),
      "--user",
      sim.user(),
      "--vsphere-password-file",
      passwordFile(password).toString(),
      "--json"
    };
    String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return repository.run(args);
  }

  /** The n-th VM of the inventory: its name and the flat file of its first disk. */
  private record TestVm(String name, Path flat) {}

  private TestVm vm(int index) throws Exception {
    JsonNode json =
        cairn()
            .run(
                "vsphere",
                "inventory",
                "--url",
                sim.url().toString(),
                "--user",
                sim.user(),
                "--password-file",
                passwordFile(sim.password()).toString(),
                "--thumbprint",
                sim.thumbprint(),
                "--json",
                "--no-tags")
            .assertSuccess()
            .json();
    JsonNode vm = json.path("vms").get(index);
    DatastorePath descriptor =
        DatastorePath.parse(vm.path("disks").get(0).path("fileName").asText());
    Path flat =
        sim.datastoreDirectory(descriptor.datastore())
            .resolve(descriptor.path().replace(".vmdk", "-flat.vmdk"));
    return new TestVm(vm.path("name").asText(), flat);
  }

  private static void write(Path flat, long offset, int length, long seed) throws Exception {
    byte[] data = new byte[length];
    new SplittableRandom(seed).nextBytes(data);
    try (FileChannel channel = FileChannel.open(flat, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(data), offset);
    }
  }

  @Test
  void aFullAndACbtIncrementalRestoreByteForByte() throws Exception {
    TestVm vm = vm(0);
    write(vm.flat(), 0, 1 << 20, 1);
    write(vm.flat(), 5L << 20, 1 << 19, 2);
    CairnRepository repository = CairnRepository.init(cairn(), directory.resolve("repo"));

    JsonNode full =
        backup(repository, vm.name(), sim.password(), "--thumbprint", sim.thumbprint())
            .assertSuccess()
            .json();
    assertThat(full.path("incremental").asBoolean()).isFalse();
    assertThat(full.path("warnings").toString()).contains("CBT was just enabled");
    repository.assertRestores(full.path("id").asText(), 0, vm.flat());

    write(vm.flat(), 3L << 20, 65536, 3);
    JsonNode incremental =
        backup(repository, vm.name(), sim.password(), "--thumbprint", sim.thumbprint())
            .assertSuccess()
            .json();
    assertThat(incremental.path("incremental").asBoolean()).isTrue();
    assertThat(incremental.path("bytesRead").asLong()).isEqualTo(65536);
    repository.assertRestores(incremental.path("id").asText(), 0, vm.flat());
    JsonNode point = repository.points().get(1);
    assertThat(point.path("vmId").asText()).isNotBlank();
    assertThat(point.path("disks").get(0).path("source").asText()).startsWith("[LocalDS_0] ");
    repository.assertCheckPasses("--read-data");
  }

  @Test
  void failuresCommitNothingAndLeaveNoSnapshot() throws Exception {
    TestVm vm = vm(1);
    CairnRepository repository = CairnRepository.init(cairn(), directory.resolve("repo"));

    Result wrongPassword =
        backup(repository, vm.name(), "not-the-password", "--thumbprint", sim.thumbprint());
    wrongPassword.assertFailure(10, "Cannot log in to 127.0.0.1:");
    assertThat(wrongPassword.stdout() + wrongPassword.stderr()).doesNotContain("not-the-password");

    // The simulator's certificate is self-signed: the system trust store refuses it.
    backup(repository, vm.name(), sim.password()).assertFailure(11, "127.0.0.1");

    backup(repository, "no-such-vm", sim.password(), "--thumbprint", sim.thumbprint())
        .assertFailure(2, "no-such-vm");

    sim.setFaults(VcSim.Faults.none().failCreateSnapshot("datastore is full", 0));
    backup(repository, vm.name(), sim.password(), "--thumbprint", sim.thumbprint())
        .assertFailure(11, "datastore is full");

    sim.clearFaults();
    sim.setFaults(VcSim.Faults.none().dropDatastoreGet(1000, 0, "-flat.vmdk"));
    write(vm.flat(), 0, 1 << 20, 4);
    Result dropped =
        backup(repository, vm.name(), sim.password(), "--thumbprint", sim.thumbprint());
    assertThat(dropped.exitCode()).isNotZero();
    assertThat(dropped.stderr()).contains("Cannot read");

    assertThat(repository.pointIds()).isEmpty();
    repository.assertCheckPasses();
  }
}
