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
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn restore --vsphere ... --as NAME} as a separate process against cairn-vcsim: a VM
 * backed up with {@code backup --vsphere} comes back as a new VM whose disk holds every byte of the
 * original, and wrong input (password, datastore, flags) fails with one line and creates nothing.
 * The import's failure paths are proven in the vsphere module's NewVmRestoreVcSimTest.
 */
class VsphereRestoreEndToEndTest {
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

  private CairnProcess cairn() {
    return CairnProcess.in(directory, "repo-secret")
        .withEnvironment("CAIRN_VSPHERE_PASSWORD", null);
  }

  private Path passwordFile(String password) throws Exception {
    Path file = directory.resolve("vsphere-password");
    Files.writeString(file, password + "\n");
    return file;
  }

  private String[] connection(String password) throws Exception {
    return new String[] {
      "--vsphere",
      sim.url().toString(),
      "--user",
      sim.user(),
      "--vsphere-password-file",
      passwordFile(password).toString(),
      "--thumbprint",
      sim.thumbprint()
    };
  }

  private Result run(CairnRepository repository, String command, String password, String... more)
      throws Exception {
    List<String> args = new ArrayList<>(List.of(command));
    args.addAll(List.of(connection(password)));
    args.addAll(List.of(more));
    return repository.run(args.toArray(String[]::new));
  }

  private JsonNode inventory() throws Exception {
    return cairn()
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
  }

  private static JsonNode vmNamed(JsonNode inventory, String name) {
    for (JsonNode vm : inventory.path("vms")) {
      if (vm.path("name").asText().equals(name)) {
        return vm;
      }
    }
    return null;
  }

  private static Path flatOf(JsonNode vm) {
    DatastorePath descriptor =
        DatastorePath.parse(vm.path("disks").get(0).path("fileName").asText());
    return sim.datastoreDirectory(descriptor.datastore())
        .resolve(descriptor.path().replace(".vmdk", "-flat.vmdk"));
  }

  private static void write(Path flat, long offset, int length, long seed) throws Exception {
    byte[] data = new byte[length];
    new SplittableRandom(seed).nextBytes(data);
    try (FileChannel channel = FileChannel.open(flat, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(data), offset);
    }
  }

  @Test
  void aBackedUpVmComesBackAsANewVmByteForByte() throws Exception {
    JsonNode before = inventory();
    JsonNode vm = before.path("vms").get(0);
    Path flat = flatOf(vm);
    write(flat, 0, 1 << 20, 1);
    write(flat, 6L << 20, 300_000, 2);
    CairnRepository repository = CairnRepository.init(cairn(), directory.resolve("repo"));
    String point =
        run(repository, "backup", sim.password(), "--vm", vm.path("name").asText(), "--json")
            .assertSuccess()
            .json()
            .path("id")
            .asText();

    Result restored =
        run(
                repository,
                "restore",
                sim.password(),
                "--point",
                point,
                "--as",
                "restored-vm",
                "--datastore",
                "LocalDS_0",
                "--power-on")
            .assertSuccess();
    assertThat(restored.stdout())
        .contains("as VM restored-vm", "powered on", "every chunk verified");

    JsonNode copy = vmNamed(inventory(), "restored-vm");
    assertThat(copy).as("VM restored-vm in the inventory").isNotNull();
    assertThat(copy.path("powerState").asText()).isEqualTo("poweredOn");
    assertThat(copy.path("cpus").asInt()).isEqualTo(vm.path("cpus").asInt());
    Path copyFlat = flatOf(copy);
    assertThat(copyFlat).isNotEqualTo(flat);
    assertThat(Files.mismatch(copyFlat, flat)).isEqualTo(-1);

    String audit = repository.run("audit").assertSuccess().stdout();
    assertThat(audit).contains("restore", "restored-vm");

    // One disk onto an existing powered-off VM: a spare copy brought up to a newer point.
    run(
            repository,
            "restore",
            sim.password(),
            "--point",
            point,
            "--as",
            "spare-vm",
            "--datastore",
            "LocalDS_0")
        .assertSuccess();
    write(flat, 2L << 20, 65536, 3);
    String newer =
        run(repository, "backup", sim.password(), "--vm", vm.path("name").asText(), "--json")
            .assertSuccess()
            .json()
            .path("id")
            .asText();
    Path spareFlat = flatOf(vmNamed(inventory(), "spare-vm"));
    assertThat(Files.mismatch(spareFlat, flat)).isNotEqualTo(-1);
    Result onto =
        run(repository, "restore", sim.password(), "--point", newer, "--onto-vm", "spare-vm")
            .assertSuccess();
    assertThat(onto.stdout()).contains("onto disk", "VM spare-vm");
    assertThat(Files.mismatch(spareFlat, flat)).isEqualTo(-1);
    run(repository, "restore", sim.password(), "--point", newer, "--onto-vm", "restored-vm")
        .assertFailure(2, "power it off first");
  }

  @Test
  void wrongInputFailsWithOneLineAndCreatesNothing() throws Exception {
    JsonNode vm = inventory().path("vms").get(1);
    write(flatOf(vm), 0, 65536, 3);
    CairnRepository repository = CairnRepository.init(cairn(), directory.resolve("repo"));
    String point =
        run(repository, "backup", sim.password(), "--vm", vm.path("name").asText(), "--json")
            .assertSuccess()
            .json()
            .path("id")
            .asText();
    int vms = inventory().path("vms").size();

    Result wrongPassword =
        run(
            repository,
            "restore",
            "not-the-password",
            "--point",
            point,
            "--as",
            "x",
            "--datastore",
            "LocalDS_0");
    wrongPassword.assertFailure(10, "Cannot log in to 127.0.0.1:");
    assertThat(wrongPassword.stdout() + wrongPassword.stderr()).doesNotContain("not-the-password");

    run(
            repository,
            "restore",
            sim.password(),
            "--point",
            point,
            "--as",
            "x",
            "--datastore",
            "NoSuchDS")
        .assertFailure(2, "no datastore NoSuchDS");
    run(
            repository,
            "restore",
            sim.password(),
            "--point",
            point,
            "--as",
            vm.path("name").asText(),
            "--datastore",
            "LocalDS_0")
        .assertFailure(2, "already has a VM of that name");
    run(repository, "restore", sim.password(), "--point", point, "--datastore", "LocalDS_0")
        .assertFailure(2, "give --as NAME and --datastore DS");
    run(
            repository,
            "restore",
            sim.password(),
            "--point",
            point,
            "--as",
            "y",
            "--datastore",
            "LocalDS_0",
            "--network",
            "nonsense")
        .assertFailure(2, "write OLD=NEW");
    repository.run("restore", "--point", point).assertFailure(2, "give --to PATH|URL");
    assertThat(inventory().path("vms").size()).isEqualTo(vms);
  }
}
