package dev.cairn.cli;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.backup.BackupRequest;
import dev.cairn.engine.backup.BackupResult;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.source.DiskSource;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.repository.point.SourceDescription;
import dev.cairn.repository.point.VmIdentity;
import dev.cairn.vsphere.backup.VmLookup;
import dev.cairn.vsphere.backup.VsphereBackupSession;
import dev.cairn.vsphere.inventory.Datacenter;
import dev.cairn.vsphere.inventory.Inventory;
import dev.cairn.vsphere.inventory.InventoryReader;
import dev.cairn.vsphere.inventory.Vm;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.transport.DatastoreHttp;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code backup --vsphere}: joins the vSphere connector to the engine. Connects and checks the
 * backup privileges, finds the VM, takes the snapshot (enabling CBT first when it is off), reads
 * what changed since the VM's previous restore point through the datastore HTTP interface, commits
 * the point with the change ids and the VM's configuration, and removes the snapshot in every
 * outcome: also on Ctrl-C, through a shutdown hook.
 */
final class VsphereBackup {
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(5);

  private VsphereBackup() {}

  static BackupResult run(
      Repository repository,
      VsphereOptions connection,
      String vmName,
      VsphereBackupSession.Options options,
      List<String> tags,
      int workers,
      ProgressListener progress,
      Consumer<String> notices)
      throws IOException {
    List<String> warnings = new ArrayList<>();
    try (VimClient client = connection.connect(notices)) {
      Vm vm;
      Datacenter datacenter;
      try {
        ManagedObjectReference found = VmLookup.find(client, vmName);
        Inventory inventory = new InventoryReader(client).read(null);
        vm =
            inventory.vms().stream()
                .filter(candidate -> candidate.ref().equals(found))
                .findFirst()
                .orElseThrow(() -> new VmLookup.VmNotFoundException("VM " + vmName + " vanished"));
        datacenter =
            inventory
                .datacenterOf(vm)
                .orElseThrow(
                    () -> new IOException("Cannot find the datacenter of VM " + vm.name()));
        VsphereBackupSession.requirePrivileges(client, vm);
      } catch (VmLookup.VmNotFoundException e) {
        throw new CairnException(ErrorCode.INVALID_INPUT, e.getMessage(), e);
      } catch (CairnException e) {
        throw e;
      } catch (IOException e) {
        throw VsphereOptions.classify(e);
      }
      List<RestorePoint> points =
          repository.points().all().stream()
              .filter(point -> point.vm().name().equals(vm.name()))
              .toList();
      VsphereBackupSession.Previous previous =
          VsphereBackupSession.Previous.of(points, vm.instanceUuid(), warnings::add);
      DatastoreHttp http =
          new DatastoreHttp(
              client.transport().httpClient(),
              client.transport().server(),
              datacenter.path(),
              client.transport()::authenticate,
              READ_TIMEOUT);
      VsphereBackupSession session;
      try {
        session =
            VsphereBackupSession.open(
                client,
                vm.ref(),
                vm.instanceUuid(),
                options,
                previous,
                Clock.systemUTC(),
                warnings::add);
      } catch (CairnException e) {
        throw e;
      } catch (IOException e) {
        throw VsphereOptions.classify(e);
      }
      Thread hook = new Thread(() -> closeQuietly(session), "cairn-vsphere-snapshot-removal");
      Runtime.getRuntime().addShutdownHook(hook);
      try (session) {
        List<DiskSource> sources = session.httpsSources(http);
        BackupRequest request =
            new BackupRequest(
                new VmIdentity(vm.name(), vm.instanceUuid()),
                new SourceDescription(
                    "vsphere",
                    connection.uri().getRawAuthority()
                        + " "
                        + vm.ref().value()
                        + " snapshot "
                        + session.snapshotName()),
                sources,
                session.disks().stream()
                    .map(VsphereBackupSession.SnapshotDisk::changedAreas)
                    .toList(),
                tags,
                session.disks().stream()
                    .map(VsphereBackupSession.SnapshotDisk::changeTracking)
                    .toList(),
                previous.pointId(),
                warnings,
                session.configuration(vm));
        return new BackupEngine(repository, workers, progress).backup(request);
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // The hook runs (or ran) and removes the snapshot itself.
        }
      }
    }
  }

  private static void closeQuietly(VsphereBackupSession session) {
    try {
      session.close();
    } catch (IOException e) {
      System.err.println(
          "cairn: warning: cannot remove snapshot "
              + session.snapshotName()
              + ": "
              + e.getMessage()
              + " (the next backup removes it)");
    }
  }
}
