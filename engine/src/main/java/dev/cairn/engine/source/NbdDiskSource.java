package dev.cairn.engine.source;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.NbdUrl;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.client.NbdClientOptions;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A disk read from an NBD export (qemu-nbd, qemu-storage-daemon, nbdkit): a full backup reads only
 * what base:allocation reports as data, an incremental only what a dirty bitmap ({@code
 * qemu:dirty-bitmap:NAME}) marks. Reads go through a pool of connections, one per worker, when the
 * server allows several (multi-conn or a read-only export); otherwise through one.
 */
public final class NbdDiskSource implements DiskSource {
  static final String ALLOCATION = "base:allocation";
  static final String DIRTY_BITMAP = "qemu:dirty-bitmap:";

  /** Block-status queries ask for at most this much at once (the request length is 32 bits). */
  private static final long STATUS_SPAN = 1L << 30;

  private final NbdUrl url;
  private final String label;
  private final NbdClient control; // holds the meta contexts; also in the pool
  private final List<NbdClient> connections;
  private final BlockingQueue<NbdClient> idle;
  private final Optional<String> bitmap;
  private final PointInTimeCheck pointInTime;

  /** Confirms that the export stayed one point in time while it was read (see QEMU fleecing). */
  @FunctionalInterface
  public interface PointInTimeCheck {
    void confirm() throws IOException;
  }

  private NbdDiskSource(
      NbdUrl url,
      String label,
      List<NbdClient> connections,
      Optional<String> bitmap,
      PointInTimeCheck pointInTime) {
    this.pointInTime = pointInTime;
    this.url = url;
    this.label = label;
    this.control = connections.getFirst();
    this.connections = List.copyOf(connections);
    this.idle = new ArrayBlockingQueue<>(connections.size(), false, connections);
    this.bitmap = bitmap;
  }

  /**
   * Connects to {@code url}.
   *
   * @param label the disk's name in restore points and messages (e.g. a QEMU node name), or null
   *     for the export name
   * @param bitmap the dirty bitmap whose dirty extents {@link #changedExtents()} reports
   * @param connections the most connections to open (at least one)
   * @throws CairnException with {@link ErrorCode#SOURCE_FAILED} naming the URL and the cause: the
   *     server is unreachable, the export or bitmap does not exist
   */
  public static NbdDiskSource open(
      NbdUrl url, String label, Optional<String> bitmap, NbdClientOptions options, int connections)
      throws CairnException {
    return open(url, label, bitmap, options, connections, () -> {});
  }

  /**
   * Connects to an export that is a hypervisor's point-in-time view; {@code pointInTime} is asked
   * before the restore point is committed whether the view held.
   */
  public static NbdDiskSource open(
      NbdUrl url,
      String label,
      Optional<String> bitmap,
      NbdClientOptions options,
      int connections,
      PointInTimeCheck pointInTime)
      throws CairnException {
    List<String> contexts = new ArrayList<>(List.of(ALLOCATION));
    bitmap.ifPresent(name -> contexts.add(DIRTY_BITMAP + name));
    List<NbdClient> opened = new ArrayList<>();
    try {
      NbdClient first = NbdClient.connect(url, options.withMetaContexts(contexts));
      opened.add(first);
      int count = first.canMultiConn() || first.readOnly() ? Math.max(1, connections) : 1;
      for (int i = 1; i < count; i++) {
        opened.add(NbdClient.connect(url, options.withMetaContexts(List.of())));
      }
    } catch (IOException e) {
      closeAll(opened);
      throw new CairnException(
          ErrorCode.SOURCE_FAILED, "Cannot read disk " + url + ": " + e.getMessage(), e);
    }
    String name =
        label != null ? label : url.exportName().isEmpty() ? "nbd-disk" : url.exportName();
    return new NbdDiskSource(url, name, opened, bitmap, pointInTime);
  }

  @Override
  public String name() {
    return label;
  }

  @Override
  public String description() {
    return url.toString();
  }

  @Override
  public long size() {
    return control.size();
  }

  /** Connections in use, for tests and the benchmark. */
  public int connectionCount() {
    return connections.size();
  }

  @Override
  public void read(long position, byte[] target, int offset, int length) throws IOException {
    NbdClient client = borrow();
    try {
      client.read(position, target, offset, length);
    } catch (IOException e) {
      throw new CairnException(
          ErrorCode.SOURCE_FAILED,
          "Cannot read disk " + label + " (" + url + ") at offset " + position + ": " + message(e),
          e);
    } finally {
      idle.add(client);
    }
  }

  /** Everything base:allocation does not report as a hole or as reading zeros. */
  @Override
  public Optional<List<ChangedExtents.Extent>> allocatedExtents() throws IOException {
    // Bit 0: hole; bit 1: reads as zeros. Either way there is nothing to read.
    return Optional.of(extentsWhere(ALLOCATION, flags -> (flags & 0b11) == 0));
  }

  /**
   * The extents the dirty bitmap marks as changed since its checkpoint.
   *
   * @throws IllegalStateException if the source was opened without a bitmap
   */
  public List<ChangedExtents.Extent> changedExtents() throws IOException {
    String name = bitmap.orElseThrow(() -> new IllegalStateException("opened without a bitmap"));
    return extentsWhere(DIRTY_BITMAP + name, flags -> (flags & 1) != 0);
  }

  private List<ChangedExtents.Extent> extentsWhere(
      String context, java.util.function.IntPredicate wanted) throws IOException {
    List<ChangedExtents.Extent> result = new ArrayList<>();
    long size = control.size();
    long at = 0;
    while (at < size) {
      List<Extent> extents;
      try {
        extents = control.blockStatus(context, at, Math.min(STATUS_SPAN, size - at));
      } catch (IOException e) {
        throw new CairnException(
            ErrorCode.SOURCE_FAILED,
            "Cannot read " + context + " of disk " + label + " (" + url + "): " + message(e),
            e);
      }
      if (extents.isEmpty() || extents.getLast().end() <= at) {
        throw new CairnException(
            ErrorCode.SOURCE_FAILED,
            "Cannot read "
                + context
                + " of disk "
                + label
                + " ("
                + url
                + "): the server answered no extent at offset "
                + at);
      }
      for (Extent extent : extents) {
        long end = Math.min(extent.end(), size);
        if (wanted.test(extent.flags()) && end > extent.offset()) {
          appendMerged(result, extent.offset(), end);
        }
      }
      at = extents.getLast().end();
    }
    return result;
  }

  private static void appendMerged(List<ChangedExtents.Extent> result, long start, long end) {
    if (!result.isEmpty()) {
      ChangedExtents.Extent last = result.getLast();
      if (last.offset() + last.length() == start) {
        result.set(
            result.size() - 1, new ChangedExtents.Extent(last.offset(), end - last.offset()));
        return;
      }
    }
    result.add(new ChangedExtents.Extent(start, end - start));
  }

  @Override
  public void confirmPointInTime() throws IOException {
    try {
      pointInTime.confirm();
    } catch (CairnException e) {
      throw e;
    } catch (IOException e) {
      throw new CairnException(ErrorCode.SOURCE_FAILED, e.getMessage(), e);
    }
  }

  @Override
  public long currentSize() {
    return control.size(); // an NBD export's size is fixed for the connection
  }

  @Override
  public void close() throws IOException {
    closeAll(connections);
  }

  private NbdClient borrow() throws IOException {
    try {
      return idle.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while reading disk " + label);
    }
  }

  private static String message(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static void closeAll(List<NbdClient> clients) {
    for (NbdClient client : clients) {
      try {
        client.close();
      } catch (IOException ignored) {
        // closing is best effort; the data path reported any real failure
      }
    }
  }
}
