package dev.cairn.cli;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.restore.NbdRestoreTarget;
import dev.cairn.engine.restore.RestoreEngine;
import dev.cairn.nbd.NbdUrl;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.vsphere.restore.DiskOntoVmRestore;
import dev.cairn.vsphere.restore.NewVmRequest;
import dev.cairn.vsphere.restore.NewVmRestore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "restore",
    description =
        "Restore one disk of a restore point to a file (sparse), a block device or an NBD"
            + " export; or, with --vsphere, the whole point as a new vSphere VM.")
final class RestoreCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin PointSelection selection;

  @Option(
      names = "--to",
      paramLabel = "PATH|URL",
      description =
          "Target file, block device or NBD export (nbd://..., written sparsely with"
              + " WRITE_ZEROES).")
  String target;

  @Mixin NbdOptions nbd;

  @Mixin RehydrationOptions rehydration;

  @Option(names = "--overwrite", description = "Replace an existing file.")
  boolean overwrite;

  @Option(
      names = "--vsphere",
      paramLabel = "URL",
      description =
          "Restore the point as a new VM on this vCenter or ESXi (https://HOST/sdk), from its"
              + " recorded configuration, its disks uploaded through an import lease (thin disks"
              + " stay thin). Instead of --to; needs --as and --datastore.")
  String vsphere;

  @Mixin VsphereLogin vsphereLogin;

  @Option(names = "--as", paramLabel = "NAME", description = "With --vsphere: the new VM's name.")
  String newName;

  @Option(
      names = "--onto-vm",
      paramLabel = "VM",
      description =
          "With --vsphere, instead of --as: write disk --disk of the point onto a disk of this"
              + " existing VM (name, inventory path or instance uuid), which must be powered off"
              + " and have no snapshots. Its CBT is reset.")
  String ontoVm;

  @Option(
      names = "--vm-disk",
      paramLabel = "KEY",
      description =
          "With --onto-vm: the device key of the VM's disk to overwrite (default: the disk the"
              + " point was taken from, or the VM's only disk).")
  Integer vmDisk;

  @Option(
      names = "--datastore",
      paramLabel = "DS",
      description = "With --vsphere: the datastore for the new VM's files and disks.")
  String datastore;

  @Option(
      names = "--host",
      paramLabel = "HOST",
      description = "With --vsphere: the host to place the VM on (its cluster's root pool).")
  String host;

  @Option(
      names = "--resource-pool",
      paramLabel = "POOL",
      description =
          "With --vsphere: the resource pool, by name or inventory path (default: the"
              + " datacenter's only cluster or host).")
  String resourcePool;

  @Option(
      names = "--folder",
      paramLabel = "FOLDER",
      description =
          "With --vsphere: the VM folder, by name or inventory path (default: the datacenter's VM"
              + " folder).")
  String folder;

  @Option(
      names = "--network",
      paramLabel = "OLD=NEW",
      description =
          "With --vsphere: connect adapters that were on network OLD to NEW instead (repeatable);"
              + " OLD= leaves those adapters out. Unmapped networks keep their name.")
  List<String> networks = new ArrayList<>();

  @Option(
      names = "--keep-mac",
      description =
          "With --vsphere: keep the adapters' MAC addresses (when the original VM is gone);"
              + " by default the new VM gets new ones.")
  boolean keepMac;

  @Option(names = "--power-on", description = "With --vsphere: power the VM on once restored.")
  boolean powerOn;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = "Parallel workers (default: cores + 1).")
  int workers = BackupEngine.defaultWorkers();

  @Override
  public Integer call() throws Exception {
    if (vsphere != null) {
      return restoreToVsphere();
    }
    if (target == null) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot restore: give --to PATH|URL, or --vsphere URL with --as NAME and --datastore DS");
    }
    try (Repository opened = repository.open();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      RestorePoint found = opened.points().find(selection.point);
      rehydration.ensureOnline(
          opened, found, List.of(selection.disk), "restore", spec.commandLine().getErr());
      long started = System.nanoTime();
      RestoreEngine engine = new RestoreEngine(opened, workers, progress);
      RestoreEngine.RestoreResult result;
      if (NbdUrl.isNbdUrl(target)) {
        long size =
            found.disks().isEmpty() || selection.disk < 0 || selection.disk >= found.disks().size()
                ? 0
                : found.disks().get(selection.disk).sizeBytes();
        try (NbdRestoreTarget export =
            NbdRestoreTarget.open(
                NbdOptions.parse("--to", target), size, nbd.clientOptions(), workers)) {
          result = engine.restoreDisk(found, selection.disk, export);
        }
      } else {
        result = engine.restoreDisk(found, selection.disk, Path.of(target), overwrite);
      }
      progress.close();
      opened
          .audit()
          .record(
              "restore",
              java.util.Map.of(
                  "point",
                  found.id(),
                  "disk",
                  String.valueOf(selection.disk),
                  "target",
                  result.target()));
      spec.commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "Restored disk %d of %s (%s) to %s in %s; every chunk verified.%n",
              selection.disk,
              found.shortId(),
              Output.bytes(result.sizeBytes()),
              result.target(),
              Output.duration((System.nanoTime() - started) / 1_000_000));
    }
    return 0;
  }

  private int restoreToVsphere() throws IOException {
    if (target != null) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot restore: give --to or --vsphere, not both");
    }
    VsphereOptions connection = vsphereLogin.connection(vsphere, "restore to");
    if (ontoVm != null) {
      return restoreOntoVm(connection);
    }
    if (newName == null || datastore == null) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot restore to "
              + vsphere
              + ": give --as NAME and --datastore DS (a new VM), or --onto-vm VM (one disk)");
    }
    if (host != null && resourcePool != null) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot restore to " + vsphere + ": give --host or --resource-pool, not both");
    }
    Map<String, String> networkMap = new LinkedHashMap<>();
    for (String mapping : networks) {
      int equals = mapping.indexOf('=');
      if (equals <= 0) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT,
            "Cannot use --network " + mapping + ": write OLD=NEW (or OLD= to leave it out)");
      }
      networkMap.put(mapping.substring(0, equals), mapping.substring(equals + 1));
    }
    NewVmRequest request =
        new NewVmRequest(
            newName, datastore, host, resourcePool, folder, networkMap, powerOn, keepMac);
    PrintWriter err = spec.commandLine().getErr();
    try (Repository opened = repository.open();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      RestorePoint found = opened.points().find(selection.point);
      List<Integer> all = new ArrayList<>();
      for (int i = 0; i < found.disks().size(); i++) {
        all.add(i);
      }
      rehydration.ensureOnline(opened, found, all, "restore", err);
      long started = System.nanoTime();
      NewVmRestore.Result result =
          VsphereRestore.run(
              opened,
              found,
              connection,
              request,
              workers,
              progress,
              warning -> {
                err.println("cairn: warning: " + warning);
                err.flush();
              });
      progress.close();
      opened
          .audit()
          .record(
              "restore",
              Map.of(
                  "point",
                  found.id(),
                  "target",
                  "vsphere " + connection.uri().getRawAuthority() + " vm " + result.vm().value(),
                  "name",
                  result.name()));
      spec.commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "Restored %s as VM %s (%s) on %s: %d disk(s), %s sent in %s%s; every chunk"
                  + " verified.%n",
              found.shortId(),
              result.name(),
              result.vm().value(),
              connection.uri().getRawAuthority(),
              result.disks().size(),
              Output.bytes(result.uploadedBytes()),
              Output.duration((System.nanoTime() - started) / 1_000_000),
              result.poweredOn() ? ", powered on" : "");
    }
    return 0;
  }

  private int restoreOntoVm(VsphereOptions connection) throws IOException {
    if (newName != null || datastore != null) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot restore: --onto-vm writes one disk of an existing VM; leave out --as and"
              + " --datastore");
    }
    PrintWriter err = spec.commandLine().getErr();
    try (Repository opened = repository.open();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      RestorePoint found = opened.points().find(selection.point);
      rehydration.ensureOnline(opened, found, List.of(selection.disk), "restore", err);
      long started = System.nanoTime();
      DiskOntoVmRestore.Result result =
          VsphereRestore.ontoVm(
              opened,
              found,
              selection.disk,
              connection,
              ontoVm,
              vmDisk,
              progress,
              warning -> {
                err.println("cairn: warning: " + warning);
                err.flush();
              });
      progress.close();
      opened
          .audit()
          .record(
              "restore",
              Map.of(
                  "point",
                  found.id(),
                  "disk",
                  String.valueOf(selection.disk),
                  "target",
                  "vsphere "
                      + connection.uri().getRawAuthority()
                      + " vm "
                      + result.vm().value()
                      + " disk "
                      + result.deviceKey()));
      spec.commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "Restored disk %d of %s onto disk %d of VM %s (%s, %s) in %s%s; every chunk"
                  + " verified.%n",
              selection.disk,
              found.shortId(),
              result.deviceKey(),
              result.vmName(),
              result.file(),
              Output.bytes(result.bytes()),
              Output.duration((System.nanoTime() - started) / 1_000_000),
              result.changeTrackingReset() ? "; CBT reset, the next backup is full" : "");
    }
    return 0;
  }
}
