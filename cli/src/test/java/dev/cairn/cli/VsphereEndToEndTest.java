package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.CairnProcess.Result;
import dev.cairn.vsphere.testing.VcSim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn vsphere inventory} as a separate process against cairn-vcsim. */
class VsphereEndToEndTest {
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

  CairnProcess cairn() {
    return CairnProcess.in(directory, "unused").withEnvironment("CAIRN_VSPHERE_PASSWORD", null);
  }

  Path passwordFile(String password) throws Exception {
    Path file = directory.resolve("vsphere-password");
    Files.writeString(file, password + "\n");
    return file;
  }

  Result inventory(String password, String... more) throws Exception {
    String[] base = {
      "vsphere",
      "inventory",
      "--url",
      sim.url().toString(),
      "--user",
      sim.user(),
      "--password-file",
      passwordFile(password).toString()
    };
    String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return cairn().run(args);
  }

  @Test
  void printsTheInventoryAsATree() throws Exception {
    Result result = inventory(sim.password(), "--thumbprint", sim.thumbprint()).assertSuccess();
    assertThat(result.stdout())
        .contains("Datacenter DC0", "Cluster DC0_C0", "Host ", "Datastore LocalDS_0", "VM DC0/vm/")
        .containsPattern("Disk \\d+ .*16\\.00 MiB");
    assertThat(result.stderr()).isBlank();
  }

  @Test
  void printsJsonForScripts() throws Exception {
    JsonNode json =
        inventory(
                sim.password(),
                "--thumbprint",
                sim.thumbprint().replace(":", "").toLowerCase(),
                "--json")
            .assertSuccess()
            .json();
    assertThat(json.path("vms").size()).isGreaterThanOrEqualTo(2);
    JsonNode vm = json.path("vms").get(0);
    assertThat(vm.path("ref").asText()).startsWith("VirtualMachine:vm-");
    assertThat(vm.path("instanceUuid").asText()).isNotEmpty();
    JsonNode disk = vm.path("disks").get(0);
    assertThat(disk.path("capacityBytes").asLong()).isEqualTo(16L << 20);
    assertThat(disk.path("fileName").asText()).endsWith(".vmdk");
    assertThat(json.path("datacenters").get(0).path("path").asText()).isEqualTo("DC0");
  }

  @Test
  void aWrongPasswordIsAccessDenied() throws Exception {
    Result result = inventory("not-the-password", "--thumbprint", sim.thumbprint());
    result.assertFailure(10, "Cannot log in to 127.0.0.1:", "as " + sim.user());
    assertThat(result.stdout() + result.stderr()).doesNotContain("not-the-password");
  }

  @Test
  void anotherCertificateIsRefusedNamingBothThumbprints() throws Exception {
    String other = HexFormat.ofDelimiter(":").withUpperCase().formatHex(new byte[32]);
    inventory(sim.password(), "--thumbprint", other)
        .assertFailure(11, "Cannot trust 127.0.0.1:", sim.thumbprint(), other);
  }

  @Test
  void withoutTrustTheSelfSignedCertificateIsRefused() throws Exception {
    inventory(sim.password()).assertFailure(11, "TLS handshake failed", "--thumbprint");
  }

  @Test
  void insecureWarns() throws Exception {
    Result result = inventory(sim.password(), "--insecure").assertSuccess();
    assertThat(result.stderr()).contains("warning: Not verifying the certificate of 127.0.0.1:");
  }

  @Test
  void aMissingReadPrivilegeIsNamed() throws Exception {
    sim.setFaults(VcSim.Faults.none().deny("System.Read"));
    inventory(sim.password(), "--thumbprint", sim.thumbprint())
        .assertFailure(10, "Cannot read the inventory as ", "lacks System.Read on Folder:group-d1");
  }

  @Test
  void badInputIsExitStatusTwo() throws Exception {
    cairn()
        .run(
            "vsphere",
            "inventory",
            "--url",
            sim.url().toString(),
            "--user",
            sim.user(),
            "--password-file",
            directory.resolve("missing").toString())
        .assertFailure(2, "Cannot use --password-file", "no such file");
    inventory(sim.password(), "--thumbprint", "AB:CD")
        .assertFailure(2, "Cannot use --thumbprint: a SHA-256 thumbprint is 64 hex digits");
    cairn()
        .run("vsphere", "inventory", "--url", sim.url().toString(), "--user", sim.user())
        .assertFailure(2, "CAIRN_VSPHERE_PASSWORD");
  }
}
