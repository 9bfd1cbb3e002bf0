package dev.cairn.cli;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.backup.BackupRequest;
import dev.cairn.engine.backup.BackupResult;
import dev.cairn.engine.source.ChangedExtents;
import dev.cairn.engine.source.DiskSource;
import dev.cairn.engine.source.FileDiskSource;
import dev.cairn.engine.source.NbdDiskSource;
import dev.cairn.nbd.NbdUrl;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.PointStatistics;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.repository.point.SourceDescription;
import dev.cairn.repository.point.VmIdentity;
import dev.cairn.vsphere.transport.NbdCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "backup",
    description =
        "Back up the disks of a VM (raw image files, block devices or NBD exports) into a new"
            + " restore point.")
final class BackupCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--vm", required = true, paramLabel = "NAME", description = "The VM's name.")
  String vm;

  @Option(names = "--vm-id", paramLabel = "ID", description = "The hypervisor's id of the VM.")
  String vmId;

  @Mixin NbdOptions nbd;

  @Option(
      names = "--disk",
      paramLabel = "PATH|URL",
      description =
          "A disk image, block device or NBD export (nbd://HOST:PORT/EXPORT,"
              + " nbd+unix:///EXPORT?socket=PATH, nbds://...); repeat for each disk, in order.")
  List<String> disks = new ArrayList<>();

  @Option(
      names = "--qmp",
      paramLabel = "SOCKET",
      description =
          "Back up a running QEMU (qemu-system-* or qemu-storage-daemon) through its QMP socket:"
              + " point-in-time, and incremental by checkpoint bitmaps. Instead of --disk.")
  Path qmp;

  @Option(
      names = "--disk-node",
      paramLabel = "NAME",
      description =
          "With --qmp: a disk to back up (drive id, device id or node name); repeat. Default:"
              + " every writable disk.")
  List<String> diskNodes = new ArrayList<>();

  @Option(
      names = "--qemu-work-dir",
      paramLabel = "DIR",
      description =
          "With --qmp: where QEMU keeps the temporary overlays that hold the point in time (QEMU"
              + " must be able to write there; default: a new temporary directory).")
  Path qemuWorkDirectory;

  @Option(
      names = "--bitmap",
      paramLabel = "NAME",
      description =
          "Dirty bitmap of the NBD exports (qemu:dirty-bitmap:NAME) holding the changes since the"
              + " VM's latest restore point: only those extents are read. Once for every disk or"
              + " once per --disk.")
  List<String> bitmaps = new ArrayList<>();

  @Option(
      names = "--changed-extents",
      paramLabel = "FILE",
      description =
          "Changed byte ranges since the VM's latest restore point ('OFFSET LENGTH' per line);"
              + " repeat once per --disk, in the same order. Makes the backup an incremental.")
  List<Path> changedExtents = new ArrayList<>();

  @Option(
      names = "--vsphere",
      paramLabel = "URL",
      description =
          "Back up a vSphere VM (named by --vm: name, inventory path or instance uuid) through"
              + " vCenter or ESXi, e.g. https://vcenter.example/sdk: a snapshot, and incremental"
              + " by Changed Block Tracking. Instead of --disk.")
  String vsphere;

  @Mixin VsphereLogin vsphereLogin;

  @Option(
      names = "--transport",
      paramLabel = "https|nbd",
      description =
          "With --vsphere: how disks are read. https (default): the datastore HTTP interface. nbd:"
              + " an NBD server per disk that Cairn starts on the backup's snapshot with"
              + " --nbdkit-vddk or --nbd-command and stops before removing the snapshot.")
  String transport = "https";

  @Option(
      names = "--nbdkit-vddk",
      paramLabel = "LIBDIR",
      description =
          "With --transport nbd: serve each disk with nbdkit's vddk plugin, VDDK unpacked in LIBDIR"
              + " (the vmware-vix-disklib-distrib directory); the same as --nbd-command 'nbdkit"
              + " --exit-with-parent --readonly -U {socket} vddk libdir=LIBDIR server={server}"
              + " port={port} user={user} password=+{passwordFile} thumbprint={thumbprint}"
              + " vm=moref={vm} snapshot={snapshot} transports=nbdssl:nbd file={file}'.")
  String nbdkitVddk;

  @Option(
      names = "--nbd-command",
      paramLabel = "TEMPLATE",
      description =
          "With --transport nbd: the command that serves one disk of the snapshot over NBD on the"
              + " Unix socket {socket}, run once per disk without a shell (split into words like a"
              + " shell does, with '...' and \"...\" quoting; a value is always one argument)."
              + " Placeholders: {socket}, {server}, {port}, {user}, {passwordFile} (a 0600 file with"
              + " the vCenter password, deleted after), {thumbprint} (SHA-1 of the vCenter"
              + " certificate, for VDDK; empty over http), {vm} (vm-42), {snapshot}"
              + " (snapshot-77), {file} ([ds] dir/name.vmdk, the snapshot's disk), {datastore},"
              + " {path} (dir/name.vmdk), {flatPath} (dir/name-flat.vmdk), {deviceKey}.")
  String nbdCommand;

  @Option(
      names = "--nbd-work-dir",
      paramLabel = "DIR",
      description =
          "With --transport nbd: where Cairn makes the private directory (0700) for the servers'"
              + " sockets and the password file (default: the system temporary directory).")
  Path nbdWorkDirectory;

  @Option(
      names = "--quiesce",
      description =
          "With --vsphere: quiesce the guest file systems for the snapshot (VMware Tools).")
  boolean quiesce;

  @Option(
      names = "--reset-cbt",
      description =
          "With --vsphere: reset Changed Block Tracking (off, on) and take a full backup: the cure"
              + " when CBT is suspected wrong.")
  boolean resetCbt;

  @Option(names = "--tag", paramLabel = "TAG", description = "A label for the restore point.")
  List<String> tags = new ArrayList<>();

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = "Parallel workers (default: cores + 1).")
  int workers = BackupEngine.defaultWorkers();

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (qmp != null) {
      return backupQemu();
    }
    if (vsphere != null) {
      return backupVsphere();
    }
    if (disks.isEmpty()) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot back up: give --disk (one per disk) or --qmp SOCKET");
    }
    if (!diskNodes.isEmpty() || qemuWorkDirectory != null) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot back up: --disk-node and --qemu-work-dir go with --qmp");
    }
    if (!bitmaps.isEmpty() && !changedExtents.isEmpty()) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot back up: give either --bitmap or --changed-extents, not both");
    }
    if (bitmaps.size() > 1 && bitmaps.size() != disks.size()) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot back up: give one --bitmap for all disks or one per --disk ("
              + disks.size()
              + " disks, "
              + bitmaps.size()
              + " bitmaps)");
    }
    if (!changedExtents.isEmpty() && changedExtents.size() != disks.size()) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot back up: give one --changed-extents per --disk ("
              + disks.size()
              + " disks, "
              + changedExtents.size()
              + " extent files)");
    }
    List<Optional<List<ChangedExtents.Extent>>> extents = new ArrayList<>();
    for (int i = 0; i < disks.size(); i++) {
      extents.add(
          changedExtents.isEmpty()
              ? Optional.empty()
              : Optional.of(ChangedExtents.parse(changedExtents.get(i))));
    }
    List<DiskSource> sources = new ArrayList<>();
    try (Repository opened = repository.open();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      boolean anyNbd = false;
      for (int i = 0; i < disks.size(); i++) {
        String disk = disks.get(i);
        Optional<String> bitmap =
            bitmaps.isEmpty()
                ? Optional.empty()
                : Optional.of(bitmaps.get(bitmaps.size() == 1 ? 0 : i));
        if (NbdUrl.isNbdUrl(disk)) {
          anyNbd = true;
          NbdDiskSource source =
              NbdDiskSource.open(
                  NbdOptions.parse("--disk", disk), null, bitmap, nbd.clientOptions(), workers);
          sources.add(source);
          if (bitmap.isPresent()) {
            extents.set(i, Optional.of(source.changedExtents()));
          }
        } else {
          if (bitmap.isPresent()) {
            throw new CairnException(
                ErrorCode.INVALID_INPUT,
                "Cannot back up " + disk + " with --bitmap: dirty bitmaps are read over NBD only");
          }
          sources.add(FileDiskSource.open(Path.of(disk)));
        }
      }
      BackupRequest request =
          new BackupRequest(
              new VmIdentity(vm, vmId),
              new SourceDescription(
                  anyNbd ? "nbd" : "file",
                  String.join(", ", sources.stream().map(DiskSource::description).toList())),
              sources,
              extents,
              tags);
      BackupResult result = new BackupEngine(opened, workers, progress).backup(request);
      progress.close();
      print(result.point(), spec.commandLine().getOut());
    } finally {
      for (DiskSource source : sources) {
        closeQuietly(source);
      }
    }
    return 0;
  }

  private int backupVsphere() throws IOException {
    if (!disks.isEmpty() || !bitmaps.isEmpty() || !changedExtents.isEmpty()) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot back up: --vsphere finds the disks and their changes itself; leave out --disk,"
              + " --bitmap and --changed-extents");
    }
    VsphereOptions connection = vsphereLogin.connection(vsphere, "back up from");
    VsphereBackup.Transport chosen = vsphereTransport();
    try (Repository opened = repository.open();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      BackupResult result =
          VsphereBackup.run(
              opened,
              connection,
              vm,
              new dev.cairn.vsphere.backup.VsphereBackupSession.Options(quiesce, resetCbt),
              chosen,
              tags,
              workers,
              progress,
              warning -> spec.commandLine().getErr().println("cairn: warning: " + warning));
      progress.close();
      print(result.point(), spec.commandLine().getOut());
    }
    return 0;
  }

  /** The transport --transport names, with its options checked. */
  private VsphereBackup.Transport vsphereTransport() throws IOException {
    boolean nbdOptions = nbdCommand != null || nbdkitVddk != null || nbdWorkDirectory != null;
    switch (transport) {
      case "https" -> {
        if (nbdOptions) {
          throw new CairnException(
              ErrorCode.INVALID_INPUT,
              "Cannot back up: --nbd-command, --nbdkit-vddk and --nbd-work-dir go with --transport"
                  + " nbd");
        }
        return new VsphereBackup.Transport.Https();
      }
      case "nbd" -> {
        if (nbdCommand != null && nbdkitVddk != null) {
          throw new CairnException(
              ErrorCode.INVALID_INPUT,
              "Cannot back up with --transport nbd: give either --nbd-command or --nbdkit-vddk,"
                  + " not both");
        }
        if (nbdCommand == null && nbdkitVddk == null) {
          throw new CairnException(
              ErrorCode.INVALID_INPUT,
              "Cannot back up with --transport nbd: give --nbdkit-vddk LIBDIR or --nbd-command"
                  + " TEMPLATE (the command that serves one disk on {socket})");
        }
        NbdCommand command;
        if (nbdkitVddk != null) {
          command = NbdCommand.nbdkitVddk(nbdkitVddk);
        } else {
          try {
            command = NbdCommand.parse(nbdCommand);
          } catch (IllegalArgumentException e) {
            throw new CairnException(
                ErrorCode.INVALID_INPUT, "Cannot use --nbd-command: " + e.getMessage());
          }
        }
        return new VsphereBackup.Transport.Nbd(
            command,
            nbdWorkDirectory != null
                ? nbdWorkDirectory
                : Path.of(System.getProperty("java.io.tmpdir")),
            nbdkitVddk != null,
            nbd.clientOptions());
      }
      default ->
          throw new CairnException(
              ErrorCode.INVALID_INPUT,
              "Cannot back up with --transport " + transport + ": give https or nbd");
    }
  }

  private int backupQemu() throws IOException {
    if (!disks.isEmpty() || !bitmaps.isEmpty() || !changedExtents.isEmpty()) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot back up: --qmp finds the disks and their changes itself; leave out --disk,"
              + " --bitmap and --changed-extents");
    }
    try (Repository opened = repository.open();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      QemuBackup.Outcome outcome =
          QemuBackup.run(
              opened,
              qmp,
              diskNodes,
              qemuWorkDirectory,
              new VmIdentity(vm, vmId),
              tags,
              nbd.clientOptions(),
              workers,
              progress);
      progress.close();
      outcome
          .cleanupProblem()
          .ifPresent(
              problem ->
                  spec.commandLine()
                      .getErr()
                      .println(
                          "cairn: warning: the restore point is committed, but "
                              + problem
                              + " (the next backup cleans up)"));
      print(outcome.result().point(), spec.commandLine().getOut());
    }
    return 0;
  }

  private void print(RestorePoint point, PrintWriter out) {
    PointStatistics statistics = point.statistics();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("id", point.id());
      result.put("vm", point.vm().name());
      result.put("time", point.time().toString());
      result.put("parent", point.parent());
      result.put("incremental", statistics.incremental());
      result.put("bytesRead", statistics.bytesRead());
      result.put("bytesStored", statistics.bytesStored());
      result.put("newChunks", statistics.newChunks());
      result.put("changedBlocks", statistics.changedBlocks());
      result.put("zeroBlocks", statistics.zeroBlocks());
      result.put("durationMillis", statistics.durationMillis());
      result.put("disks", PointsCommand.disksJson(point));
      result.put("warnings", point.warnings());
      Output.json(out, result);
      return;
    }
    for (String warning : point.warnings()) {
      out.println("warning: " + warning);
    }
    out.printf(
        Locale.ROOT,
        "Restore point %s of VM %s committed (%s%s).%n",
        point.id(),
        point.vm().name(),
        statistics.incremental() ? "incremental of " : "full",
        statistics.incremental() ? point.parent().substring(0, 8) : "");
    out.printf(
        Locale.ROOT,
        "Read %s in %s, stored %s new (%d new chunks, %d changed blocks, %d zero blocks).%n",
        Output.bytes(statistics.bytesRead()),
        Output.duration(statistics.durationMillis()),
        Output.bytes(statistics.bytesStored()),
        statistics.newChunks(),
        statistics.changedBlocks(),
        statistics.zeroBlocks());
  }

  private static void closeQuietly(DiskSource source) {
    try {
      source.close();
    } catch (IOException ignored) {
      // the backup's own outcome is what matters
    }
  }
}
