package dev.cairn.vsphere.transport;

import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.source.DiskSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot's disk read over the datastore HTTP interface: each {@link #read} is one ranged GET of
 * the disk's flat file, retried a few times when the connection breaks (a transient drop costs one
 * request, not the backup). Thread-safe.
 */
public final class DatastoreDiskSource implements DiskSource {
  /** Attempts per range before the read fails. */
  static final int ATTEMPTS = 3;

  private final DatastoreHttp http;
  private final DatastorePath flatFile;
  private final String name;
  private final long size;
  private final Optional<List<Extent>> allocated;
  private final PointInTimeCheck pointInTime;

  /** Confirms the snapshot still stands once every block has been read. */
  @FunctionalInterface
  public interface PointInTimeCheck {
    void confirm() throws IOException;
  }

  /**
   * @param http the datastore interface
   * @param flatFile the file that holds the disk's bytes (see {@link DatastoreHttp#flatFileOf})
   * @param name the disk's label in the restore point
   * @param size the disk's capacity in bytes
   * @param allocated the areas that may hold data (vSphere's allocated areas), empty to read all
   * @param pointInTime checked before the restore point is committed
   */
  public DatastoreDiskSource(
      DatastoreHttp http,
      DatastorePath flatFile,
      String name,
      long size,
      Optional<List<Extent>> allocated,
      PointInTimeCheck pointInTime) {
    this.http = http;
    this.flatFile = flatFile;
    this.name = name;
    this.size = size;
    this.allocated = allocated.map(List::copyOf);
    this.pointInTime = pointInTime;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return flatFile.toString();
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void read(long position, byte[] target, int offset, int length) throws IOException {
    if (position < 0 || position + length > size) {
      throw new IOException(
          "Cannot read disk "
              + name
              + " at offset "
              + position
              + ": beyond its end ("
              + size
              + " bytes)");
    }
    IOException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        http.read(flatFile, position, target, offset, length);
        return;
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        last = e;
        if (attempt < ATTEMPTS) {
          pause(attempt);
        }
      }
    }
    throw new IOException(
        "Cannot read disk "
            + name
            + " ("
            + flatFile
            + ") at offset "
            + position
            + " after "
            + ATTEMPTS
            + " attempts: "
            + last.getMessage(),
        last);
  }

  @Override
  public Optional<List<Extent>> allocatedExtents() {
    return allocated;
  }

  @Override
  public void confirmPointInTime() throws IOException {
    pointInTime.confirm();
  }

  @Override
  public long currentSize() {
    return size;
  }

  @Override
  public void close() {}

  private static void pause(int attempt) throws InterruptedIOException {
    try {
      Thread.sleep(200L * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while retrying a datastore read");
    }
  }
}
