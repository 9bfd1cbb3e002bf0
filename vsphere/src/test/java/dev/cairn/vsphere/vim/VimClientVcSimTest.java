package dev.cairn.vsphere.vim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.soap.VimFault;
import dev.cairn.vsphere.testing.VcSim;
import dev.cairn.vsphere.vim.VirtualDeviceSpec.NetworkBacking;
import dev.cairn.vsphere.vim.VmConfigSpec.DeviceChange;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against cairn-vcsim (govmomi's simulator with Cairn's extensions). */
class VimClientVcSimTest {
  static VcSim sim;
  VimClient client;
  final List<String> warnings = new ArrayList<>();

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
  void connect() throws IOException {
    client =
        VimClient.connect(
            sim.url(),
            new TrustOptions.PinnedThumbprint(sim.thumbprint()),
            SoapOptions.defaults(),
            warnings::add);
    client.login(sim.user(), sim.password());
  }

  @AfterEach
  void disconnect() throws Exception {
    client.close();
    sim.clearFaults();
  }

  ManagedObjectReference firstVm() throws IOException {
    return client.allOfType("VirtualMachine", List.of("name")).getFirst().obj();
  }

  @Test
  void remembersTheSha1ThumbprintOfTheServerCertificateAsVddkWantsIt() throws Exception {
    byte[] der;
    try (var in = java.nio.file.Files.newInputStream(sim.certificatePem())) {
      der =
          java.security.cert.CertificateFactory.getInstance("X.509")
              .generateCertificate(in)
              .getEncoded();
    }
    String expected =
        java.util.HexFormat.ofDelimiter(":")
            .withUpperCase()
            .formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(der));

    assertThat(client.transport().sha1Thumbprint()).contains(expected);
    assertThat(expected).matches("([0-9A-F]{2}:){19}[0-9A-F]{2}");
  }

  @Test
  void logsInWithThePinnedThumbprintAndRefusesAWrongPassword() throws IOException {
    assertThat(warnings).isEmpty();
    assertThat(client.serviceContent().about().isVcenter()).isTrue();
    assertThat(client.transport().version()).matches("\\d+\\.\\d+.*");
    try (VimClient other =
        VimClient.connect(
            sim.url(),
            new TrustOptions.PinnedThumbprint(sim.thumbprint()),
            SoapOptions.defaults(),
            w -> {})) {
      assertThatThrownBy(() -> other.login(sim.user(), "wrong-password"))
          .isInstanceOf(VimFault.InvalidLogin.class)
          .message()
          .doesNotContain("wrong-password");
    }
  }

  @Test
  void theSystemTrustStoreRefusesTheSimulatorsCertificate() {
    assertThatThrownBy(
            () ->
                VimClient.connect(
                    sim.url(), new TrustOptions.SystemTrust(), SoapOptions.defaults(), w -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("TLS handshake failed");
  }

  @Test
  void logsInAgainWhenTheSessionWasClosedUnderneath() throws IOException {
    // Log the session out behind the client's back, as an administrator or a timeout would.
    client
        .transport()
        .call(
            "Logout",
            client.serviceContent().sessionManager(),
            VimRequests.logout(client.serviceContent().sessionManager()),
            Duration.ZERO);
    assertThat(client.allOfType("VirtualMachine", List.of("name"))).isNotEmpty();
  }

  @Test
  void snapshotTasksAreAwaitedThroughUpdates() throws IOException {
    ManagedObjectReference vm = firstVm();
    List<Integer> progress = new ArrayList<>();
    TaskInfo created =
        client.waitForTask(
            client.createSnapshot(vm, "cairn-test", "test", false, false), progress::add);
    ManagedObjectReference snapshot = created.resultReference().orElseThrow();
    assertThat(snapshot.type()).isEqualTo("VirtualMachineSnapshot");
    TaskInfo removed = client.waitForTask(client.removeSnapshot(snapshot, false, true));
    assertThat(removed.state()).isEqualTo("success");
  }

  @Test
  void aFailedTaskThrowsItsFault() throws Exception {
    sim.setFaults(VcSim.Faults.none().failCreateSnapshot("quiescing failed", 1));
    ManagedObjectReference vm = firstVm();
    ManagedObjectReference task = client.createSnapshot(vm, "cairn-fail", null, false, true);
    assertThatThrownBy(() -> client.waitForTask(task))
        .isInstanceOf(VimFault.SnapshotFault.class)
        .hasMessageContaining("quiescing failed");
  }

  @Test
  void aDeniedPrivilegeIsNamed() throws Exception {
    sim.setFaults(VcSim.Faults.none().deny("VirtualMachine.State.CreateSnapshot"));
    ManagedObjectReference vm = firstVm();
    assertThatThrownBy(() -> client.createSnapshot(vm, "cairn-denied", null, false, false))
        .isInstanceOfSatisfying(
            VimFault.NoPermission.class,
            fault -> {
              assertThat(fault.privilegeId()).isEqualTo("VirtualMachine.State.CreateSnapshot");
              assertThat(fault.object()).contains(vm);
            })
        .hasMessageContaining("missing privilege VirtualMachine.State.CreateSnapshot on " + vm);
    Map<String, Boolean> held =
        client.hasPrivilegeOnEntity(
            vm,
            List.of("VirtualMachine.State.CreateSnapshot", "VirtualMachine.State.RemoveSnapshot"));
    assertThat(held)
        .containsEntry("VirtualMachine.State.CreateSnapshot", false)
        .containsEntry("VirtualMachine.State.RemoveSnapshot", true);
    Map<ManagedObjectReference, List<String>> granted =
        client.fetchUserPrivilegeOnEntities(List.of(vm), sim.user());
    assertThat(granted.get(vm))
        .contains("VirtualMachine.State.RemoveSnapshot")
        .doesNotContain("VirtualMachine.State.CreateSnapshot");
  }

  @Test
  void changeTrackingAndChangedAreas() throws IOException {
    ManagedObjectReference vm = firstVm();
    client.waitForTask(client.reconfigVm(vm, VmConfigSpec.changeTracking(true)));
    ManagedObjectReference snapshot =
        client
            .waitForTask(client.createSnapshot(vm, "cairn-cbt", null, false, false))
            .resultReference()
            .orElseThrow();
    try {
      ObjectContent disks = client.properties(vm, List.of("config.hardware.device")).orElseThrow();
      int key =
          disks.get("config.hardware.device").orElseThrow().children().stream()
              .filter(d -> "VirtualDisk".equals(d.xsiType()))
              .mapToInt(d -> Integer.parseInt(d.text("key", "0")))
              .findFirst()
              .orElseThrow();
      DiskChangeInfo all = client.queryChangedDiskAreas(vm, snapshot, key, 0, "*");
      assertThat(all.startOffset()).isZero();
      assertThat(all.length()).isPositive();
      assertThatThrownBy(() -> client.queryChangedDiskAreas(vm, snapshot, 999_999, 0, "*"))
          .isInstanceOf(VimFault.InvalidArgument.class);
    } finally {
      client.waitForTask(client.removeSnapshot(snapshot, false, true));
      client.waitForTask(client.reconfigVm(vm, VmConfigSpec.changeTracking(false)));
    }
  }

  @Test
  void createsPowersAndDestroysAVm() throws IOException {
    ObjectContent datacenter =
        client.allOfType("Datacenter", List.of("name", "vmFolder")).getFirst();
    ManagedObjectReference folder =
        ManagedObjectReference.of(datacenter.get("vmFolder").orElseThrow());
    ObjectContent pool = client.allOfType("ResourcePool", List.of("name")).getFirst();
    ObjectContent datastore = client.allOfType("Datastore", List.of("name")).getFirst();
    ObjectContent network = client.allOfType("Network", List.of("name")).getFirst();
    VmConfigSpec config =
        new VmConfigSpec(
            "cairn-restored",
            "otherGuest64",
            "[" + datastore.text("name").orElseThrow() + "]",
            2,
            1,
            512L,
            List.of(
                DeviceChange.add(
                    VirtualDeviceSpec.Controller.of("ParaVirtualSCSIController", -100, 0)),
                DeviceChange.add(VirtualDeviceSpec.Disk.newThin(-200, -100, 0, 8L << 20)),
                DeviceChange.add(
                    new VirtualDeviceSpec.EthernetCard(
                        "VirtualVmxnet3",
                        -300,
                        new NetworkBacking.StandardNetwork(
                            network.text("name").orElseThrow(), network.obj()),
                        null,
                        true))),
            true,
            "efi");
    ManagedObjectReference vm =
        client
            .waitForTask(client.createVm(folder, config, pool.obj(), null))
            .resultReference()
            .orElseThrow();
    assertThat(vm.type()).isEqualTo("VirtualMachine");
    ObjectContent created =
        client
            .properties(vm, List.of("name", "config.firmware", "config.hardware.numCPU"))
            .orElseThrow();
    assertThat(created.text("name")).contains("cairn-restored");
    assertThat(created.text("config.firmware")).contains("efi");
    client.waitForTask(client.powerOnVm(vm, null));
    assertThatThrownBy(() -> client.waitForTask(client.powerOnVm(vm, null)))
        .isInstanceOf(VimFault.class);
    client.waitForTask(client.powerOffVm(vm));
    client.waitForTask(client.destroy(vm));
    assertThat(
            client.findByInventoryPath(
                datacenter.text("name").orElseThrow() + "/vm/cairn-restored"))
        .isEmpty();
  }
}
