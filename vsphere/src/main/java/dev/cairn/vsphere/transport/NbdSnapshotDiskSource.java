package dev.cairn.vsphere.transport;

import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.source.DiskSource;
import dev.cairn.engine.source.NbdDiskSource;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot's disk read from an NBD server that serves it (see {@link NbdDiskServers}). The bytes
 * come over NBD; which areas a full backup reads comes from vSphere (the allocated areas CBT
 * listed, as for the {@code https} transport) and only when vSphere listed none from the server's
 * {@code base:allocation}. An incremental reads the changed areas CBT listed, which the engine gets
 * from the backup request, never from the source. Thread-safe, as {@link NbdDiskSource}.
 */
public final class NbdSnapshotDiskSource implements DiskSource {
  private final NbdDiskSource nbd;
  private final String name;
  private final String description;
  private final long size;
  private final Optional<List<Extent>> allocated;

  private NbdSnapshotDiskSource(
      NbdDiskSource nbd,
      String name,
      String description,
      long size,
      Optional<List<Extent>> allocated) {
    this.nbd = nbd;
    this.name = name;
    this.description = description;
    this.size = size;
    this.allocated = allocated.map(List::copyOf);
  }

  /**
   * Wraps an open NBD source; closing this closes it.
   *
   * @param name the disk's label in the restore point
   * @param description where it is read from, for the restore point (the snapshot's disk file)
   * @param capacity the disk's capacity as vSphere reports it; the export must be exactly as large
   * @param allocated the areas vSphere lists as allocated, empty to ask the server
   * @throws CairnException ({@link ErrorCode#SOURCE_FAILED}) when the export's size differs: the
   *     command then serves another disk than the snapshot's
   */
  public static NbdSnapshotDiskSource of(
      NbdDiskSource nbd,
      String name,
      String description,
      long capacity,
      Optional<List<Extent>> allocated)
      throws CairnException {
    if (nbd.size() != capacity) {
      throw new CairnException(
          ErrorCode.SOURCE_FAILED,
          "Cannot read disk "
              + name
              + " over NBD: the export holds "
              + nbd.size()
              + " bytes but the disk "
              + capacity
              + " (does the NBD command serve "
              + description
              + "?)");
    }
    return new NbdSnapshotDiskSource(nbd, name, description, capacity, allocated);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void read(long position, byte[] target, int offset, int length) throws IOException {
    nbd.read(position, target, offset, length);
  }

  @Override
  public Optional<List<Extent>> allocatedExtents() throws IOException {
    return allocated.isPresent() ? allocated : nbd.allocatedExtents();
  }

  @Override
  public void confirmPointInTime() throws IOException {
    nbd.confirmPointInTime();
  }

  @Override
  public long currentSize() {
    return size; // an NBD export's size is fixed for the connection
  }

  @Override
  public void close() throws IOException {
    nbd.close();
  }
}
