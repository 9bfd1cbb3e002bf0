package dev.cairn.vsphere.testing;

import dev.cairn.engine.backup.BackupRequest;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.repository.point.SourceDescription;
import dev.cairn.repository.point.VmIdentity;
import dev.cairn.vsphere.backup.VsphereBackupSession;
import dev.cairn.vsphere.inventory.Inventory;
import dev.cairn.vsphere.inventory.Vm;
import dev.cairn.vsphere.transport.DatastoreHttp;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A vSphere backup into a test repository, as {@code backup --vsphere} runs it (snapshot, CBT plan,
 * https transport, incremental of the VM's newest point), for tests that need points of a simulated
 * VM.
 */
public final class VcSimBackups {
  /** The committed point and the warnings the backup gave. */
  public record Run(RestorePoint point, List<String> warnings) {}

  private VcSimBackups() {}

  public static Run backup(VimClient client, Inventory inventory, Vm vm, TestRepository repo)
      throws IOException {
    List<String> warnings = new ArrayList<>();
    VsphereBackupSession.Previous previous =
        VsphereBackupSession.Previous.of(repo.points(), vm.instanceUuid(), warnings::add);
    DatastoreHttp http =
        new DatastoreHttp(
            client.transport().httpClient(),
            client.transport().server(),
            inventory.datacenterOf(vm).orElseThrow().path(),
            client.transport()::authenticate,
            Duration.ofSeconds(30));
    try (VsphereBackupSession session =
        VsphereBackupSession.open(
            client,
            vm.ref(),
            vm.instanceUuid(),
            new VsphereBackupSession.Options(false, false),
            previous,
            Clock.systemUTC(),
            warnings::add)) {
      BackupRequest request =
          new BackupRequest(
              new VmIdentity(vm.name(), vm.instanceUuid()),
              new SourceDescription("vsphere", "test"),
              session.httpsSources(http),
              session.disks().stream()
                  .map(VsphereBackupSession.SnapshotDisk::changedAreas)
                  .toList(),
              List.of(),
              session.disks().stream()
                  .map(VsphereBackupSession.SnapshotDisk::changeTracking)
                  .toList(),
              previous.pointId(),
              warnings,
              session.configuration(vm));
      return new Run(repo.backup(request).point(), warnings);
    }
  }
}
