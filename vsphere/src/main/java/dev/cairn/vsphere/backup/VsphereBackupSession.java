package dev.cairn.vsphere.backup;

import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.source.DiskSource;
import dev.cairn.engine.source.NbdDiskSource;
import dev.cairn.nbd.client.NbdClientOptions;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.repository.point.VmConfiguration;
import dev.cairn.vsphere.access.Operation;
import dev.cairn.vsphere.access.PrivilegeCheck;
import dev.cairn.vsphere.access.Scope;
import dev.cairn.vsphere.inventory.Vm;
import dev.cairn.vsphere.inventory.VmController;
import dev.cairn.vsphere.inventory.VmDevices;
import dev.cairn.vsphere.inventory.VmDisk;
import dev.cairn.vsphere.inventory.VmNic;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.XmlNode;
import dev.cairn.vsphere.transport.DatastoreDiskSource;
import dev.cairn.vsphere.transport.DatastoreHttp;
import dev.cairn.vsphere.transport.DatastorePath;
import dev.cairn.vsphere.transport.NbdCommand;
import dev.cairn.vsphere.transport.NbdDiskServers;
import dev.cairn.vsphere.transport.NbdSnapshotDiskSource;
import dev.cairn.vsphere.vim.DiskChangeInfo;
import dev.cairn.vsphere.vim.ObjectContent;
import dev.cairn.vsphere.vim.VimClient;
import dev.cairn.vsphere.vim.VmConfigSpec;
import java.io.IOException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The vSphere side of one backup (ADR 0008): removes {@code cairn-} snapshots a killed run left,
 * turns Changed Block Tracking on (or resets it), takes the backup's snapshot, plans every disk
 * against the previous restore point and asks vSphere which areas to read. {@link #close()} removes
 * the snapshot (with consolidation) in every outcome; callers open it in a try-with-resources and
 * register {@link #close()} in a shutdown hook as well, since it is idempotent.
 *
 * <p>The session does not read disk bytes: the caller builds a transport ({@code https} or {@code
 * nbd}) over {@link SnapshotDisk#fileName()} and hands {@link #confirmSnapshot()} to it as the
 * point-in-time check.
 */
public final class VsphereBackupSession implements AutoCloseable {
  /** Every snapshot Cairn takes starts with this; a leftover one is Cairn's to remove. */
  public static final String SNAPSHOT_PREFIX = "cairn-";

  private static final DateTimeFormatter SNAPSHOT_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final VimClient client;
  private final ManagedObjectReference vm;
  private final ManagedObjectReference snapshot;
  private final String snapshotName;
  private final List<SnapshotDisk> disks;
  private boolean removed;

  /** How to run the session. */
  public record Options(boolean quiesce, boolean resetChangeTracking) {}

  /**
   * What the previous restore point of this VM recorded, by device key.
   *
   * @param pointId the point's id, the engine's expected parent; empty for the VM's first backup
   * @param pointLabel the point's short id for warnings, empty for the VM's first backup
   * @param disks the disks it recorded by device key
   */
  public record Previous(
      Optional<String> pointId, Optional<String> pointLabel, Map<Integer, TrackedDisk> disks) {
    public Previous {
      disks = Map.copyOf(disks);
    }

    /**
     * The previous point for a VM: the newest of {@code pointsOfVmName} (the repository's points
     * under the VM's name) when its disks record {@code vmInstanceUuid}. A newest point of another
     * VM with the same name is no parent: every disk is then read in full, with a warning.
     */
    public static Previous of(
        List<RestorePoint> pointsOfVmName, String vmInstanceUuid, Consumer<String> warnings) {
      Optional<RestorePoint> newest =
          pointsOfVmName.stream().max(Comparator.comparing(RestorePoint::time));
      if (newest.isEmpty()) {
        return none();
      }
      RestorePoint point = newest.get();
      boolean sameVm =
          !point.disks().isEmpty()
              && point.disks().stream()
                  .allMatch(
                      disk ->
                          vmInstanceUuid.equals(
                              disk.changeTracking().get("vsphere.vmInstanceUuid")));
      if (!sameVm) {
        warnings.accept(
            "Restore point "
                + point.shortId()
                + " is of another VM with this name (another instance uuid): full backup");
        return none();
      }
      Map<Integer, TrackedDisk> disks = new HashMap<>();
      for (DiskImage disk : point.disks()) {
        Map<String, String> tracking = disk.changeTracking();
        String key = tracking.get("vsphere.deviceKey");
        if (key == null) {
          continue;
        }
        try {
          int deviceKey = Integer.parseInt(key);
          disks.put(
              deviceKey,
              new TrackedDisk(
                  deviceKey,
                  Optional.ofNullable(tracking.get("vsphere.diskUuid")),
                  disk.sizeBytes(),
                  Optional.ofNullable(tracking.get("vsphere.changeId")).flatMap(ChangeId::parse)));
        } catch (NumberFormatException e) {
          // A damaged key only costs that disk an incremental: the planner reads it in full.
        }
      }
      return new Previous(Optional.of(point.id()), Optional.of(point.shortId()), disks);
    }

    /** No previous point: every disk is read in full without a warning. */
    public static Previous none() {
      return new Previous(Optional.empty(), Optional.empty(), Map.of());
    }
  }

  /**
   * One disk as the backup's snapshot shows it.
   *
   * @param disk the disk in the snapshot's configuration (its fileName is the snapshot's backing)
   * @param plan full or incremental, with the reason for a full
   * @param changedAreas the areas to read for an incremental; empty for a full
   * @param allocatedAreas the areas that may hold data for a full; empty to read everything
   * @param changeTracking what the restore point keeps for the next backup
   */
  public record SnapshotDisk(
      VmDisk disk,
      DiskReadPlan plan,
      Optional<List<Extent>> changedAreas,
      Optional<List<Extent>> allocatedAreas,
      Map<String, String> changeTracking) {
    public SnapshotDisk {
      changedAreas = changedAreas.map(List::copyOf);
      allocatedAreas = allocatedAreas.map(List::copyOf);
      changeTracking = Map.copyOf(changeTracking);
    }

    /** The datastore path of the disk's descriptor in the snapshot. */
    public String fileName() {
      return disk.fileName();
    }
  }

  private VsphereBackupSession(
      VimClient client,
      ManagedObjectReference vm,
      ManagedObjectReference snapshot,
      String snapshotName,
      List<SnapshotDisk> disks) {
    this.client = client;
    this.vm = vm;
    this.snapshot = snapshot;
    this.snapshotName = snapshotName;
    this.disks = List.copyOf(disks);
  }

  /**
   * Prepares the VM and takes the backup's snapshot.
   *
   * @param vmInstanceUuid the VM's instance uuid, recorded on every disk
   * @param warnings receives one line per warning (leftover snapshot, CBT enabled, full reasons)
   */
  public static VsphereBackupSession open(
      VimClient client,
      ManagedObjectReference vm,
      String vmInstanceUuid,
      Options options,
      Previous previous,
      Clock clock,
      Consumer<String> warnings)
      throws IOException {
    removeLeftoverSnapshots(client, vm, warnings);
    boolean trackingOn =
        client
            .properties(vm, List.of("config.changeTrackingEnabled"))
            .flatMap(content -> content.text("config.changeTrackingEnabled"))
            .map(Boolean::parseBoolean)
            .orElse(false);
    boolean forceFull = false;
    if (options.resetChangeTracking()) {
      if (trackingOn) {
        client.waitForTask(client.reconfigVm(vm, VmConfigSpec.changeTracking(false)));
      }
      enableTracking(client, vm, clock);
      warnings.accept("Changed Block Tracking was reset: full backup");
      forceFull = true;
    } else if (!trackingOn) {
      enableTracking(client, vm, clock);
      warnings.accept("CBT was just enabled: full backup");
      forceFull = true;
    }
    String name = snapshotName(clock);
    ManagedObjectReference snapshot =
        client
            .waitForTask(
                client.createSnapshot(
                    vm, name, "Cairn backup; removed when it ends", false, options.quiesce()))
            .resultReference()
            .orElseThrow(() -> new IOException("Snapshot " + name + " returned no reference"));
    VsphereBackupSession session = new VsphereBackupSession(client, vm, snapshot, name, List.of());
    try {
      List<SnapshotDisk> disks =
          planDisks(client, vm, snapshot, vmInstanceUuid, previous, forceFull, warnings);
      return new VsphereBackupSession(client, vm, snapshot, name, disks);
    } catch (IOException | RuntimeException e) {
      session.close();
      throw e;
    }
  }

  /**
   * Fails with a {@link dev.cairn.vsphere.access.MissingPrivilegesException} naming every privilege
   * a backup of {@code vm} lacks (on the VM and on the datastores of its disks), before anything
   * changes on the VM.
   */
  public static void requirePrivileges(VimClient client, Vm vm) throws IOException {
    requirePrivileges(client, vm, Operation.BACKUP);
  }

  /**
   * As {@link #requirePrivileges(VimClient, Vm)} for a backup over a given transport: {@link
   * Operation#BACKUP} ({@code https}) or {@link Operation#BACKUP_NBD} ({@code nbd}, VDDK).
   */
  public static void requirePrivileges(VimClient client, Vm vm, Operation operation)
      throws IOException {
    if (operation != Operation.BACKUP && operation != Operation.BACKUP_NBD) {
      throw new IllegalArgumentException(operation + " is no backup");
    }
    List<ManagedObjectReference> datastores =
        vm.disks().stream().map(VmDisk::datastore).filter(d -> d != null).distinct().toList();
    new PrivilegeCheck(client)
        .require(operation, Map.of(Scope.VM, List.of(vm.ref()), Scope.DATASTORE, datastores));
  }

  /** The disks to back up, ordered by device key; disks a snapshot cannot hold are left out. */
  public List<SnapshotDisk> disks() {
    return disks;
  }

  /** The backup's snapshot. */
  public ManagedObjectReference snapshot() {
    return snapshot;
  }

  /** The backup's snapshot's name ({@code cairn-<UTC time>-<hex>}). */
  public String snapshotName() {
    return snapshotName;
  }

  /** Fails when the backup's snapshot is gone: the bytes read may then not be one point in time. */
  public void confirmSnapshot() throws IOException {
    boolean present =
        listSnapshots(client, vm).stream().anyMatch(found -> found.reference().equals(snapshot));
    if (!present) {
      throw new IOException(
          "Snapshot " + snapshotName + " of VM " + vm.value() + " vanished during the backup");
    }
  }

  /**
   * The {@code https} transport: one source per disk over the snapshot's flat file, in {@link
   * #disks()} order. A full reads only the allocated areas when vSphere listed them; every source
   * confirms the snapshot before the engine commits.
   */
  public List<DiskSource> httpsSources(DatastoreHttp http) throws IOException {
    List<DiskSource> sources = new ArrayList<>();
    for (SnapshotDisk disk : disks) {
      DatastorePath flat = http.flatFileOf(DatastorePath.parse(disk.fileName()));
      sources.add(
          new DatastoreDiskSource(
              http,
              flat,
              disk.disk().label(),
              disk.disk().capacityBytes(),
              disk.allocatedAreas(),
              this::confirmSnapshot));
    }
    return sources;
  }

  /**
   * The {@code nbd} transport: starts one NBD server per disk through {@code servers} (the
   * customer's command with this snapshot's values) and opens a source on each, in {@link #disks()}
   * order. A full reads the areas vSphere listed as allocated, an incremental the changed areas, as
   * with {@code https}; every source confirms the snapshot before the engine commits. The caller
   * closes the sources, then {@code servers}, then this session.
   *
   * @param connections the most NBD connections per disk
   * @throws CairnException ({@link dev.cairn.repository.ErrorCode#SOURCE_FAILED}) naming the disk,
   *     the command and the end of its output when a server does not start or serve the disk
   */
  public List<DiskSource> nbdSources(
      NbdDiskServers servers, NbdClientOptions options, int connections) throws IOException {
    List<DiskSource> sources = new ArrayList<>();
    try {
      for (SnapshotDisk disk : disks) {
        String label = disk.disk().label();
        NbdDiskServers.Server server =
            servers.start(label, "disk-" + disk.disk().key(), placeholderValues(disk));
        NbdDiskSource nbd;
        try {
          nbd =
              NbdDiskSource.open(
                  server.url(),
                  label,
                  Optional.empty(),
                  options,
                  connections,
                  this::confirmSnapshot);
        } catch (CairnException e) {
          throw new CairnException(
              ErrorCode.SOURCE_FAILED,
              "Cannot read disk "
                  + label
                  + " from the NBD server "
                  + server.program()
                  + " started for it: "
                  + e.getMessage()
                  + "; "
                  + server.outputTail(),
              e);
        }
        try {
          sources.add(
              NbdSnapshotDiskSource.of(
                  nbd,
                  label,
                  disk.fileName() + " over nbd",
                  disk.disk().capacityBytes(),
                  disk.allocatedAreas()));
        } catch (IOException | RuntimeException e) {
          nbd.close();
          throw e;
        }
      }
      return sources;
    } catch (IOException | RuntimeException e) {
      for (DiskSource source : sources) {
        try {
          source.close();
        } catch (IOException ignored) {
          // the failure being thrown is what matters
        }
      }
      throw e;
    }
  }

  /** The per-disk values of an {@link NbdCommand}'s placeholders. */
  Map<String, String> placeholderValues(SnapshotDisk disk) {
    DatastorePath file = DatastorePath.parse(disk.fileName());
    String path = file.path();
    String flatPath =
        path.endsWith(".vmdk") ? path.substring(0, path.length() - 5) + "-flat.vmdk" : path;
    return Map.of(
        "vm", vm.value(),
        "snapshot", snapshot.value(),
        "file", disk.fileName(),
        "datastore", file.datastore(),
        "path", path,
        "flatPath", flatPath,
        "deviceKey", Integer.toString(disk.disk().key()));
  }

  /** Removes the snapshot with consolidation; a second call does nothing. */
  @Override
  public synchronized void close() throws IOException {
    if (removed) {
      return;
    }
    removed = true;
    client.waitForTask(client.removeSnapshot(snapshot, false, true));
  }

  private static void enableTracking(VimClient client, ManagedObjectReference vm, Clock clock)
      throws IOException {
    client.waitForTask(client.reconfigVm(vm, VmConfigSpec.changeTracking(true)));
    // CBT takes effect at the next stun/unstun cycle: a snapshot create and remove gives it one.
    ManagedObjectReference cycle =
        client
            .waitForTask(
                client.createSnapshot(
                    vm, snapshotName(clock), "Cairn: start change tracking", false, false))
            .resultReference()
            .orElseThrow(() -> new IOException("Snapshot for CBT returned no reference"));
    client.waitForTask(client.removeSnapshot(cycle, false, true));
  }

  private static String snapshotName(Clock clock) {
    return SNAPSHOT_PREFIX
        + SNAPSHOT_TIME.format(clock.instant())
        + "-"
        + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
  }

  private record FoundSnapshot(String name, ManagedObjectReference reference) {}

  private static List<FoundSnapshot> listSnapshots(VimClient client, ManagedObjectReference vm)
      throws IOException {
    List<FoundSnapshot> found = new ArrayList<>();
    Optional<ObjectContent> content = client.properties(vm, List.of("snapshot.rootSnapshotList"));
    if (content.isPresent()) {
      Optional<XmlNode> roots = content.get().get("snapshot.rootSnapshotList");
      if (roots.isPresent()) {
        collect(roots.get().all("VirtualMachineSnapshotTree"), found);
        // A property value array comes either wrapped or as the trees themselves.
        if (roots.get().child("snapshot").isPresent()) {
          collect(List.of(roots.get()), found);
        }
      }
    }
    return found;
  }

  private static void collect(List<XmlNode> trees, List<FoundSnapshot> found) throws IOException {
    for (XmlNode tree : trees) {
      found.add(
          new FoundSnapshot(
              tree.text("name", ""), ManagedObjectReference.of(tree.required("snapshot"))));
      collect(tree.all("childSnapshotList"), found);
    }
  }

  private static void removeLeftoverSnapshots(
      VimClient client, ManagedObjectReference vm, Consumer<String> warnings) throws IOException {
    for (FoundSnapshot leftover : listSnapshots(client, vm)) {
      if (leftover.name().startsWith(SNAPSHOT_PREFIX)) {
        warnings.accept(
            "Removing snapshot " + leftover.name() + " that an interrupted Cairn run left behind");
        client.waitForTask(client.removeSnapshot(leftover.reference(), false, true));
      }
    }
  }

  private static List<SnapshotDisk> planDisks(
      VimClient client,
      ManagedObjectReference vm,
      ManagedObjectReference snapshot,
      String vmInstanceUuid,
      Previous previous,
      boolean forceFull,
      Consumer<String> warnings)
      throws IOException {
    XmlNode devices =
        client
            .properties(snapshot, List.of("config.hardware.device"))
            .flatMap(content -> content.get("config.hardware.device"))
            .orElseThrow(
                () -> new IOException("Snapshot " + snapshot.value() + " shows no devices"));
    List<SnapshotDisk> planned = new ArrayList<>();
    int index = 0;
    for (VmDisk disk : VmDevices.of(devices, Map.of()).disks()) {
      String label = "disk " + index + " (" + disk.label() + ")";
      if (!disk.snapshotCapable()) {
        warnings.accept(
            "Skipping " + disk.label() + ": a snapshot cannot hold it (" + disk.diskMode() + ")");
        continue;
      }
      index++;
      TrackedDisk current =
          new TrackedDisk(
              disk.key(),
              optional(disk.uuid()),
              disk.capacityBytes(),
              optional(disk.changeId()).flatMap(ChangeId::parse));
      DiskReadPlan plan =
          forceFull
              ? new DiskReadPlan.Full(Optional.empty())
              : ChangeTrackingPlanner.plan(
                  label,
                  current,
                  Optional.ofNullable(previous.disks().get(disk.key())),
                  previous.pointLabel());
      plan.warning().ifPresent(warnings);
      Optional<List<Extent>> changed = Optional.empty();
      Optional<List<Extent>> allocated = Optional.empty();
      if (plan instanceof DiskReadPlan.Incremental incremental) {
        try {
          changed = Optional.of(areas(client, vm, snapshot, disk, incremental.since().text()));
        } catch (IOException e) {
          warnings.accept(
              label
                  + ": reading it in full, vSphere did not list its changed areas: "
                  + e.getMessage());
          plan = new DiskReadPlan.Full(Optional.of(e.getMessage()));
        }
      }
      if (plan instanceof DiskReadPlan.Full && current.changeId().isPresent()) {
        try {
          allocated = Optional.of(areas(client, vm, snapshot, disk, ChangeId.ALL_ALLOCATED));
        } catch (IOException e) {
          // Reading every byte is correct, only slower: the allocated list is an optimisation.
          allocated = Optional.empty();
        }
      }
      Map<String, String> tracking = new LinkedHashMap<>();
      tracking.put("vsphere.deviceKey", Integer.toString(disk.key()));
      tracking.put("vsphere.vmInstanceUuid", vmInstanceUuid);
      optional(disk.uuid()).ifPresent(uuid -> tracking.put("vsphere.diskUuid", uuid));
      optional(disk.changeId()).ifPresent(id -> tracking.put("vsphere.changeId", id));
      planned.add(new SnapshotDisk(disk, plan, changed, allocated, tracking));
    }
    return planned;
  }

  /** Pages QueryChangedDiskAreas from offset 0 to the disk's capacity. */
  private static List<Extent> areas(
      VimClient client,
      ManagedObjectReference vm,
      ManagedObjectReference snapshot,
      VmDisk disk,
      String changeId)
      throws IOException {
    List<Extent> extents = new ArrayList<>();
    long offset = 0;
    while (offset < disk.capacityBytes()) {
      DiskChangeInfo page =
          client.queryChangedDiskAreas(vm, snapshot, disk.key(), offset, changeId);
      for (DiskChangeInfo.Area area : page.changedAreas()) {
        extents.add(new Extent(area.start(), area.length()));
      }
      long next = page.startOffset() + page.length();
      if (next <= offset) {
        throw new IOException(
            "QueryChangedDiskAreas for " + disk.label() + " made no progress at offset " + offset);
      }
      offset = next;
    }
    return extents;
  }

  private static Optional<String> optional(String text) {
    return text == null || text.isEmpty() ? Optional.empty() : Optional.of(text);
  }

  /**
   * The VM's configuration for the restore point: hardware from {@code vm} (the inventory read),
   * disk slots from the backed-up disks in {@link #disks()} order (so slot {@code diskIndex} is the
   * point's disk index). The backing file is the VM's own disk file, not the snapshot's delta.
   */
  public VmConfiguration configuration(Vm vm) {
    List<VmConfiguration.Controller> controllers = new ArrayList<>();
    for (VmController controller : vm.controllers()) {
      controllers.add(
          new VmConfiguration.Controller(
              controller.key(),
              controller.type(),
              controller.busNumber(),
              controller.sharedBus() == null ? "" : controller.sharedBus()));
    }
    Map<Integer, String> vmFiles = new HashMap<>();
    for (VmDisk disk : vm.disks()) {
      vmFiles.put(disk.key(), disk.fileName());
    }
    List<VmConfiguration.DiskSlot> slots = new ArrayList<>();
    for (int i = 0; i < disks.size(); i++) {
      VmDisk disk = disks.get(i).disk();
      slots.add(
          new VmConfiguration.DiskSlot(
              i,
              disk.key(),
              disk.controllerKey(),
              disk.unitNumber(),
              disk.capacityBytes(),
              disk.thin(),
              vmFiles.getOrDefault(disk.key(), disk.fileName())));
    }
    List<VmConfiguration.Nic> nics = new ArrayList<>();
    for (VmNic nic : vm.nics()) {
      nics.add(
          new VmConfiguration.Nic(
              nic.label(),
              nic.type(),
              nic.networkName() == null ? "" : nic.networkName(),
              nic.macAddress() == null ? "" : nic.macAddress(),
              "manual".equalsIgnoreCase(nic.addressType())));
    }
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("vsphere.vmInstanceUuid", vm.instanceUuid());
    if (vm.vmPathName() != null) {
      properties.put("vsphere.vmPathName", vm.vmPathName());
    }
    return new VmConfiguration(
        "vsphere",
        vm.cpus(),
        vm.coresPerSocket(),
        vm.memoryMb(),
        vm.firmware(),
        vm.guestId(),
        controllers,
        slots,
        nics,
        properties);
  }

  /** For tests: the snapshots of a VM whose names start with {@link #SNAPSHOT_PREFIX}. */
  public static List<String> cairnSnapshots(VimClient client, ManagedObjectReference vm)
      throws IOException {
    List<String> names = new ArrayList<>();
    for (FoundSnapshot found : listSnapshots(client, vm)) {
      if (found.name().startsWith(SNAPSHOT_PREFIX)) {
        names.add(found.name());
      }
    }
    return names;
  }
}
