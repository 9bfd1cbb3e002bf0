package dev.cairn.repository.point;

import java.time.Instant;
import java.util.List;

/**
 * A restore point's manifest, stored once as {@code points/<id>} (JSON in an Envelope with magic
 * "CRNM"). Writing it is the single atomic commit of a backup: everything it references is durable
 * before it is written, and it is never modified afterwards (forget deletes it whole).
 *
 * @param formatVersion manifest schema version (1)
 * @param id 32 hex digits, random
 * @param vm the virtual machine the disks belong to
 * @param time when the backup started (the point-in-time the data represents for file sources)
 * @param host machine that ran the backup
 * @param source where the disks were read from
 * @param tags free labels
 * @param parent the restore point this one was an incremental of, or null for a full
 * @param disks the disks, in order; index is the position
 * @param statistics what the backup read, stored and saw
 * @param warnings things a person should know about this point (e.g. an incremental fell back to a
 *     full)
 * @param configuration the VM's virtual hardware, or null when the source knows none
 */
public record RestorePoint(
    int formatVersion,
    String id,
    VmIdentity vm,
    Instant time,
    String host,
    SourceDescription source,
    List<String> tags,
    String parent,
    List<DiskImage> disks,
    PointStatistics statistics,
    List<String> warnings,
    VmConfiguration configuration) {
  public static final String PREFIX = "points/";
  public static final String MAGIC = "CRNM";

  /** A point without a VM configuration (image files, plain NBD exports). */
  public RestorePoint(
      int formatVersion,
      String id,
      VmIdentity vm,
      Instant time,
      String host,
      SourceDescription source,
      List<String> tags,
      String parent,
      List<DiskImage> disks,
      PointStatistics statistics,
      List<String> warnings) {
    this(
        formatVersion, id, vm, time, host, source, tags, parent, disks, statistics, warnings, null);
  }

  public String objectName() {
    return PREFIX + id;
  }

  /** The first 8 hex digits, how points are shown to people. */
  public String shortId() {
    return id.substring(0, 8);
  }

  public long totalSizeBytes() {
    return disks.stream().mapToLong(DiskImage::sizeBytes).sum();
  }
}
