package dev.cairn.vsphere.restore;

import dev.cairn.engine.progress.ProgressCounter;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.restore.DiskReader;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.vsphere.access.Operation;
import dev.cairn.vsphere.access.PrivilegeCheck;
import dev.cairn.vsphere.access.Scope;
import dev.cairn.vsphere.backup.VmLookup;
import dev.cairn.vsphere.inventory.Datacenter;
import dev.cairn.vsphere.inventory.Inventory;
import dev.cairn.vsphere.inventory.InventoryReader;
import dev.cairn.vsphere.inventory.Vm;
import dev.cairn.vsphere.inventory.VmDisk;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.transport.DatastoreHttp;
import dev.cairn.vsphere.transport.DatastorePath;
import dev.cairn.vsphere.vim.VimClient;
import dev.cairn.vsphere.vim.VmConfigSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Restores one disk of a restore point onto a disk of an existing, powered-off VM without
 * snapshots, through the datastore HTTP interface: the disk's flat file is replaced by the point's
 * bytes (the whole capacity is written, zeros included: the {@code /folder} interface has no
 * holes).
 *
 * <ol>
 *   <li>checks the VM (powered off, no snapshots: with snapshots its current disk is a delta, and
 *       replacing the base would corrupt it) and the privileges;
 *   <li>reads the point's disk once to verify every chunk before the VM's disk is touched, so a
 *       damaged repository never destroys the disk it was meant to restore;
 *   <li>refuses a target disk smaller than the point's disk (a bigger one has its rest zeroed);
 *   <li>uploads the bytes;
 *   <li>resets Changed Block Tracking (off, then on) when it was on: the write bypassed CBT, so
 *       change ids from before would make the next incremental miss every restored block.
 * </ol>
 */
public final class DiskOntoVmRestore {
  private static final int PIECE = 1 << 20;

  private final VimClient client;
  private final Repository repository;
  private final ProgressListener progress;
  private final Consumer<String> warnings;

  /**
   * What was restored.
   *
   * @param vm the VM
   * @param vmName its name
   * @param deviceKey the disk written
   * @param file its flat file
   * @param bytes bytes uploaded (the disk's capacity)
   * @param changeTrackingReset whether CBT was reset
   */
  public record Result(
      ManagedObjectReference vm,
      String vmName,
      int deviceKey,
      DatastorePath file,
      long bytes,
      boolean changeTrackingReset) {}

  public DiskOntoVmRestore(
      VimClient client,
      Repository repository,
      ProgressListener progress,
      Consumer<String> warnings) {
    this.client = client;
    this.repository = repository;
    this.progress = progress;
    this.warnings = warnings;
  }

  /**
   * Writes disk {@code diskIndex} of {@code point} onto VM {@code vmName} (name, inventory path or
   * instance uuid).
   *
   * @param deviceKey the target disk's device key, or null: the disk the point was taken from when
   *     the VM is the point's own, else the VM's only disk
   * @throws PlacementException when the VM or disk is not a valid target (nothing was written)
   * @throws IOException naming the step and the cause
   */
  public Result restore(RestorePoint point, int diskIndex, String vmName, Integer deviceKey)
      throws IOException {
    if (diskIndex < 0 || diskIndex >= point.disks().size()) {
      throw new PlacementException(
          "Cannot restore disk "
              + diskIndex
              + " of restore point "
              + point.shortId()
              + ": it has "
              + point.disks().size()
              + " disk(s)");
    }
    DiskImage source = point.disks().get(diskIndex);
    ManagedObjectReference ref;
    try {
      ref = VmLookup.find(client, vmName);
    } catch (VmLookup.VmNotFoundException e) {
      throw new PlacementException("Cannot restore onto VM " + vmName + ": " + e.getMessage());
    }
    Inventory inventory = new InventoryReader(client).read(null);
    Vm vm =
        inventory.vms().stream()
            .filter(v -> v.ref().equals(ref))
            .findFirst()
            .orElseThrow(
                () -> new PlacementException("Cannot restore onto VM " + vmName + ": gone"));
    String target = "VM " + vm.name();
    VmDisk disk = targetDisk(point, source, vm, deviceKey, target);
    new PrivilegeCheck(client)
        .require(
            Operation.RESTORE_DISK,
            Map.of(
                Scope.VM,
                List.of(vm.ref()),
                Scope.DATASTORE,
                disk.datastore() == null ? List.of() : List.of(disk.datastore())));
    if (!"poweredOff".equals(vm.powerState())) {
      throw new PlacementException(
          "Cannot restore onto "
              + target
              + ": it is "
              + vm.powerState()
              + "; power it off first (a running guest would see its disk change underneath)");
    }
    if (client
        .properties(vm.ref(), List.of("snapshot"))
        .flatMap(c -> c.get("snapshot"))
        .isPresent()) {
      throw new PlacementException(
          "Cannot restore onto "
              + target
              + ": it has snapshots, so its disks are delta chains; remove or consolidate them first");
    }
    Datacenter datacenter =
        inventory
            .datacenterOf(vm)
            .orElseThrow(() -> new IOException("Cannot find the datacenter of " + target));

    verifyChunks(point, diskIndex);

    long capacity = disk.capacityBytes();
    if (source.sizeBytes() > capacity) {
      // Growing a disk is the user's call (the guest's partitions do not follow): say how.
      throw new PlacementException(
          "Cannot restore onto disk "
              + disk.key()
              + " of "
              + target
              + ": it holds "
              + capacity
              + " bytes, the restored disk "
              + source.sizeBytes()
              + "; extend it first, or restore the point as a new VM");
    } else if (source.sizeBytes() < capacity) {
      warnings.accept(
          "Disk "
              + disk.key()
              + " of "
              + target
              + " is bigger than the restored disk; its last "
              + (capacity - source.sizeBytes())
              + " bytes are zeroed");
    }

    DatastoreHttp http =
        new DatastoreHttp(
            client.transport().httpClient(),
            client.transport().server(),
            datacenter.path(),
            client.transport()::authenticate,
            Duration.ofMinutes(5));
    DatastorePath flat = http.flatFileOf(DatastorePath.parse(disk.fileName()));
    upload(http, flat, point, diskIndex, capacity);

    boolean reset = false;
    if (vm.changeTrackingEnabled()) {
      client.waitForTask(client.reconfigVm(vm.ref(), VmConfigSpec.changeTracking(false)));
      client.waitForTask(client.reconfigVm(vm.ref(), VmConfigSpec.changeTracking(true)));
      reset = true;
    }
    return new Result(vm.ref(), vm.name(), disk.key(), flat, capacity, reset);
  }

  private VmDisk targetDisk(
      RestorePoint point, DiskImage source, Vm vm, Integer deviceKey, String target)
      throws PlacementException {
    Integer key = deviceKey;
    if (key == null) {
      String recorded = source.changeTracking().get("vsphere.deviceKey");
      String recordedVm = source.changeTracking().get("vsphere.vmInstanceUuid");
      if (recorded != null && vm.instanceUuid().equalsIgnoreCase(recordedVm)) {
        key = Integer.valueOf(recorded);
      } else if (vm.disks().size() == 1) {
        key = vm.disks().getFirst().key();
      }
    }
    Integer wanted = key;
    if (wanted != null) {
      for (VmDisk disk : vm.disks()) {
        if (disk.key() == wanted) {
          return disk;
        }
      }
    }
    throw new PlacementException(
        "Cannot restore onto "
            + target
            + ": "
            + (wanted == null ? "choose its disk with --vm-disk KEY" : "it has no disk " + wanted)
            + " (disks: "
            + String.join(
                ", ",
                vm.disks().stream()
                    .map(d -> d.key() + " " + d.label() + " " + d.fileName())
                    .toList())
            + ")");
  }

  /** Reads every data block of the disk once, so damage shows before anything is overwritten. */
  private void verifyChunks(RestorePoint point, int diskIndex) throws IOException {
    DiskReader reader = new DiskReader(repository, point, diskIndex);
    DiskImage disk = point.disks().get(diskIndex);
    ProgressCounter counter = new ProgressCounter(progress, "verify", reader.size());
    byte[] buffer = new byte[disk.blockSize()];
    for (long at = 0; at < reader.size(); at += disk.blockSize()) {
      if (!reader.isHole(at)) {
        reader.read(at, buffer, 0, buffer.length);
      }
      counter.add(Math.min(disk.blockSize(), reader.size() - at));
    }
  }

  private void upload(
      DatastoreHttp http, DatastorePath flat, RestorePoint point, int diskIndex, long capacity)
      throws IOException {
    DiskReader reader = new DiskReader(repository, point, diskIndex);
    ProgressCounter counter = new ProgressCounter(progress, "restore", capacity);
    AtomicReference<IOException> readFailure = new AtomicReference<>();
    InputStream body =
        new InputStream() {
          private long position;

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] target, int offset, int length) throws IOException {
            if (position >= capacity) {
              return -1;
            }
            int count = (int) Math.min(Math.min(length, PIECE), capacity - position);
            try {
              int got =
                  position < reader.size() ? reader.read(position, target, offset, count) : -1;
              if (got < 0) {
                // Past the restored disk: the rest of a bigger target reads as zeros.
                java.util.Arrays.fill(target, offset, offset + count, (byte) 0);
                got = count;
              }
              position += got;
              counter.add(got);
              return got;
            } catch (IOException e) {
              readFailure.set(e);
              throw e;
            }
          }
        };
    try {
      http.upload(
          flat,
          HttpRequest.BodyPublishers.fromPublisher(
              HttpRequest.BodyPublishers.ofInputStream(() -> body), capacity));
    } catch (IOException e) {
      IOException cause = readFailure.get();
      throw cause != null ? cause : e;
    }
  }
}
