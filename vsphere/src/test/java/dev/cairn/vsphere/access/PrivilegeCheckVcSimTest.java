package dev.cairn.vsphere.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.testing.VcSim;
import dev.cairn.vsphere.vim.ObjectContent;
import dev.cairn.vsphere.vim.VimClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PrivilegeCheckVcSimTest {
  static VcSim sim;

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

  @Test
  void namesEveryMissingPrivilegeAndItsObject() throws Exception {
    try (VimClient client =
        VimClient.connect(
            sim.url(),
            new TrustOptions.PinnedThumbprint(sim.thumbprint()),
            SoapOptions.defaults(),
            w -> {})) {
      client.login(sim.user(), sim.password());
      ManagedObjectReference vm =
          client.allOfType("VirtualMachine", List.of("name")).getFirst().obj();
      ObjectContent datastore = client.allOfType("Datastore", List.of("name")).getFirst();
      Map<Scope, List<ManagedObjectReference>> targets =
          Map.of(Scope.VM, List.of(vm), Scope.DATASTORE, List.of(datastore.obj()));
      PrivilegeCheck check = new PrivilegeCheck(client);
      check.require(Operation.BACKUP, targets);
      check.require(Operation.INVENTORY, Map.of());

      sim.setFaults(
          VcSim.Faults.none()
              .deny("VirtualMachine.State.CreateSnapshot", "VirtualMachine.Config.ChangeTracking"));
      assertThatThrownBy(() -> check.require(Operation.BACKUP, targets))
          .isInstanceOfSatisfying(
              MissingPrivilegesException.class,
              e ->
                  assertThat(e.missing())
                      .containsExactly(
                          Map.entry(
                              vm,
                              List.of(
                                  "VirtualMachine.State.CreateSnapshot",
                                  "VirtualMachine.Config.ChangeTracking"))))
          .hasMessageStartingWith("Cannot back up as ")
          .hasMessageContaining(
              "the role lacks VirtualMachine.State.CreateSnapshot,"
                  + " VirtualMachine.Config.ChangeTracking on "
                  + vm);
      check.require(Operation.INVENTORY, Map.of());
    } finally {
      sim.clearFaults();
    }
  }

  @Test
  void aBackupOverNbdNeedsVddksDiskPrivilegesInsteadOfTheDatastoreOnes() throws Exception {
    try (VimClient client =
        VimClient.connect(
            sim.url(),
            new TrustOptions.PinnedThumbprint(sim.thumbprint()),
            SoapOptions.defaults(),
            w -> {})) {
      client.login(sim.user(), sim.password());
      ManagedObjectReference vm =
          client.allOfType("VirtualMachine", List.of("name")).getFirst().obj();
      ObjectContent datastore = client.allOfType("Datastore", List.of("name")).getFirst();
      Map<Scope, List<ManagedObjectReference>> targets =
          Map.of(Scope.VM, List.of(vm), Scope.DATASTORE, List.of(datastore.obj()));
      PrivilegeCheck check = new PrivilegeCheck(client);
      check.require(Operation.BACKUP_NBD, targets);

      sim.setFaults(
          VcSim.Faults.none()
              .deny("VirtualMachine.Provisioning.GetVmFiles", "Datastore.FileManagement"));
      assertThat(check.missing(Operation.BACKUP_NBD, targets))
          .containsExactly(Map.entry(vm, List.of("VirtualMachine.Provisioning.GetVmFiles")));
      assertThat(check.missing(Operation.BACKUP, targets))
          .containsExactly(Map.entry(datastore.obj(), List.of("Datastore.FileManagement")));
    } finally {
      sim.clearFaults();
    }
  }
}
