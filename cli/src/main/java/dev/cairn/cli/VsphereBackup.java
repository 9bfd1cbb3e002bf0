package dev.cairn.cli;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.backup.BackupRequest;
import dev.cairn.engine.backup.BackupResult;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.source.DiskSource;
import dev.cairn.nbd.client.NbdClientOptions;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.repository.point.SourceDescription;
import dev.cairn.repository.point.VmIdentity;
import dev.cairn.vsphere.access.Operation;
import dev.cairn.vsphere.backup.VmLookup;
import dev.cairn.vsphere.backup.VsphereBackupSession;
import dev.cairn.vsphere.inventory.Datacenter;
import dev.cairn.vsphere.inventory.Inventory;
import dev.cairn.vsphere.inventory.InventoryReader;
import dev.cairn.vsphere.inventory.Vm;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.transport.DatastoreHttp;
import dev.cairn.vsphere.transport.NbdCommand;
import dev.cairn.vsphere.transport.NbdDiskServers;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * {@code backup --vsphere}: joins the vSphere connector to the engine. Connects and checks the
 * backup privileges, finds the VM, takes the snapshot (enabling CBT first when it is off), reads
 * what changed since the VM's previous restore point through the datastore HTTP interface or
 * through NBD servers it starts per disk, commits the point with the change ids and the VM's
 * configuration, and removes the snapshot in every outcome: also on Ctrl-C, through a shutdown
 * hook. The NBD servers are stopped before the snapshot is removed, since a server holding the
 * snapshot's disk open keeps vSphere from consolidating it.
 */
final class VsphereBackup {
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(5);

  /** How long an NBD server may take to listen on its socket. */
  private static final Duration NBD_START_TIMEOUT = Duration.ofSeconds(60);

  /**
   * NBD connections per disk at most: behind nbdkit's vddk plugin each is a VDDK session with its
   * own NFC connection to the ESXi host, which limits those (and their memory) per host.
   */
  static final int NBD_CONNECTIONS_PER_DISK = 4;

  /** How the disks' bytes are read. */
  sealed interface Transport {
    /** The datastore HTTP interface ({@code /folder}) of vCenter or the host. */
    record Https() implements Transport {}

    /**
     * One NBD server per disk that Cairn starts from {@code command}.
     *
     * @param workDirectory where the servers' private directory is made
     * @param requireThumbprint refuse to start when the server's SHA-1 thumbprint is unknown (VDDK
     *     cannot connect without one)
     */
    record Nbd(
        NbdCommand command, Path workDirectory, boolean requireThumbprint, NbdClientOptions options)
        implements Transport {}
  }

  private VsphereBackup() {}

  static BackupResult run(
      Repository repository,
      VsphereOptions connection,
      String vmName,
      VsphereBackupSession.Options options,
      Transport transport,
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
        VsphereBackupSession.requirePrivileges(
            client,
            vm,
            transport instanceof Transport.Nbd ? Operation.BACKUP_NBD : Operation.BACKUP);
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
      Map<String, String> nbdValues =
          transport instanceof Transport.Nbd nbd ? nbdValues(connection, client, nbd) : Map.of();
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
      AtomicReference<NbdDiskServers> servers = new AtomicReference<>();
      Thread hook =
          new Thread(
              () -> {
                stopQuietly(servers.get());
                closeQuietly(session);
              },
              "cairn-vsphere-snapshot-removal");
      Runtime.getRuntime().addShutdownHook(hook);
      List<DiskSource> sources = new ArrayList<>();
      try (session) {
        try {
          switch (transport) {
            case Transport.Https https ->
                sources.addAll(
                    session.httpsSources(
                        new DatastoreHttp(
                            client.transport().httpClient(),
                            client.transport().server(),
                            datacenter.path(),
                            client.transport()::authenticate,
                            READ_TIMEOUT)));
            case Transport.Nbd nbd -> {
              servers.set(
                  NbdDiskServers.create(
                      nbd.command(),
                      nbd.workDirectory(),
                      nbdValues,
                      connection.password(),
                      NBD_START_TIMEOUT,
                      notices));
              sources.addAll(
                  session.nbdSources(
                      servers.get(),
                      nbd.options(),
                      Math.max(1, Math.min(workers, NBD_CONNECTIONS_PER_DISK))));
            }
          }
          BackupRequest request =
              new BackupRequest(
                  new VmIdentity(vm.name(), vm.instanceUuid()),
                  new SourceDescription(
                      "vsphere",
                      connection.uri().getRawAuthority()
                          + " "
                          + vm.ref().value()
                          + " snapshot "
                          + session.snapshotName()
                          + (transport instanceof Transport.Nbd ? " over nbd" : "")),
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
          // Connections first, then the servers, then (closing the session) the snapshot.
          for (DiskSource source : sources) {
            closeQuietly(source);
          }
          stopQuietly(servers.get());
        }
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // The hook runs (or ran) and removes the snapshot itself.
        }
      }
    }
  }

  /**
   * The values every disk's NBD command shares: where vCenter is, who logs in, and the SHA-1
   * thumbprint of the certificate this connection saw (VDDK checks the server against it).
   */
  private static Map<String, String> nbdValues(
      VsphereOptions connection, VimClient client, Transport.Nbd nbd) throws CairnException {
    URI uri = connection.uri();
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port =
        uri.getPort() > 0 ? uri.getPort() : "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
    String thumbprint = client.transport().sha1Thumbprint().orElse("");
    if (thumbprint.isEmpty() && nbd.requireThumbprint()) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot back up over nbd with --nbdkit-vddk: the SHA-1 thumbprint of "
              + uri.getRawAuthority()
              + "'s certificate, which VDDK needs, is unknown (connect over https)");
    }
    Map<String, String> values = new HashMap<>();
    values.put("server", host);
    values.put("port", Integer.toString(port));
    values.put("user", connection.user);
    values.put("thumbprint", thumbprint);
    return values;
  }

  private static void stopQuietly(NbdDiskServers servers) {
    if (servers != null) {
      servers.close();
    }
  }

  private static void closeQuietly(DiskSource source) {
    try {
      source.close();
    } catch (IOException ignored) {
      // the backup's own outcome is what matters
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
