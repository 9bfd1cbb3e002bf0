package dev.cairn.nbd.overlay;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.overlay.ClusterStates.State;
import dev.cairn.nbd.server.ExportBackend;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A writable view of a read-only {@link ExportBackend}: guest writes go to a sparse overlay file in
 * a local directory, the base is only ever read. The overlay works in clusters of {@link
 * #CLUSTER_SIZE} bytes: a cluster reads from the base until it is first written, then from the
 * overlay, which holds the whole cluster (a partial write reads the rest from the base first). A
 * cluster made all zeroes by WRITE_ZEROES or TRIM is only marked, no data is stored.
 *
 * <p>The overlay is scratch space for a running guest: it is deleted by {@link #close()}, never
 * reused, so {@link #flush()} has nothing to make durable. Memory: two bits per cluster (4 MiB for
 * a 1 TiB disk) and one cluster of buffer per partial write in progress.
 *
 * <p>Thread-safe: operations on different clusters run concurrently; an operation holds the locks
 * of the clusters it touches (shared for reads, exclusive for writes), so two partial writes to one
 * cluster cannot lose each other's bytes. Failures of the base or the overlay file surface as
 * {@link IOException}; a write that fails part way may have changed some of its clusters.
 */
public final class CopyOnWriteBackend implements ExportBackend {
  /** The overlay's unit: 64 KiB, QEMU's default cluster size. */
  public static final int CLUSTER_SIZE = 64 << 10;

  /** Lock stripes; cluster {@code c} is guarded by stripe {@code c % STRIPES}. */
  private static final int STRIPES = 256;

  private static final byte[] ZEROES = new byte[CLUSTER_SIZE];
  private static final int HOLE_AND_ZERO = 3;
  private static final int DATA = 0;

  private final ExportBackend base;
  private final long size;
  private final Path overlayPath;
  private final FileChannel overlay;
  private final ClusterStates states;
  private final ReentrantReadWriteLock[] stripes = new ReentrantReadWriteLock[STRIPES];

  private CopyOnWriteBackend(ExportBackend base, Path overlayPath, FileChannel overlay) {
    this.base = base;
    this.size = base.size();
    this.overlayPath = overlayPath;
    this.overlay = overlay;
    this.states = new ClusterStates((size + CLUSTER_SIZE - 1) / CLUSTER_SIZE);
    Arrays.setAll(stripes, i -> new ReentrantReadWriteLock());
  }

  /**
   * Wraps {@code base}, creating an empty overlay file (readable by its owner only) in {@code
   * directory}. The caller keeps ownership of {@code base}.
   *
   * @throws IOException "Cannot create a copy-on-write overlay in DIRECTORY: reason"
   */
  public static CopyOnWriteBackend create(ExportBackend base, Path directory) throws IOException {
    Path path;
    try {
      path = Files.createTempFile(directory, "cairn-overlay-", ".raw");
    } catch (IOException e) {
      throw new IOException(
          "Cannot create a copy-on-write overlay in " + directory + ": " + e.getMessage(), e);
    }
    try {
      FileChannel channel =
          FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      return new CopyOnWriteBackend(base, path, channel);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(path);
      throw new IOException("Cannot open the copy-on-write overlay " + path + ": " + e, e);
    }
  }

  /** The overlay file, deleted by {@link #close()}. */
  public Path overlayPath() {
    return overlayPath;
  }

  /** How many bytes of guest data the overlay holds (whole clusters). */
  public long overlayBytes() {
    return states.inOverlay() * CLUSTER_SIZE;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public boolean readOnly() {
    return false;
  }

  @Override
  public String description() {
    return base.description();
  }

  @Override
  public void read(long offset, ByteBuffer target) throws IOException {
    long end = checkedEnd(offset, target.remaining());
    try (HeldLocks held = lock(offset, end, false)) {
      long position = offset;
      while (position < end) {
        State state = states.get(cluster(position));
        long runEnd = runEnd(position, end, state);
        ByteBuffer piece = target.slice(target.position(), (int) (runEnd - position));
        switch (state) {
          case BASE -> base.read(position, piece);
          case OVERLAY -> readOverlay(position, piece);
          case ZEROES -> zero(piece);
        }
        target.position(target.position() + piece.capacity());
        position = runEnd;
      }
    }
  }

  @Override
  public void write(long offset, ByteBuffer data) throws IOException {
    long end = checkedEnd(offset, data.remaining());
    try (HeldLocks held = lock(offset, end, true)) {
      long position = offset;
      while (position < end) {
        long fullEnd = fullClustersEnd(position, end);
        long pieceEnd = fullEnd > position ? fullEnd : Math.min(end, clusterEnd(position));
        ByteBuffer piece = data.slice(data.position(), (int) (pieceEnd - position));
        if (fullEnd > position || states.get(cluster(position)) == State.OVERLAY) {
          // Whole clusters, or a cluster the overlay already holds: no need to read the base.
          writeOverlay(position, piece);
        } else {
          ByteBuffer cluster = clusterContent(cluster(position));
          cluster.put((int) (position - clusterStart(position)), piece, 0, piece.remaining());
          writeOverlay(clusterStart(position), cluster.clear());
        }
        markOverlay(position, pieceEnd);
        data.position(data.position() + (int) (pieceEnd - position));
        position = pieceEnd;
      }
    }
  }

  @Override
  public void writeZeroes(long offset, long length) throws IOException {
    long end = checkedEnd(offset, length);
    try (HeldLocks held = lock(offset, end, true)) {
      long position = offset;
      while (position < end) {
        long fullEnd = fullClustersEnd(position, end);
        if (fullEnd > position) {
          for (long cluster = cluster(position); cluster < clusterCount(fullEnd); cluster++) {
            states.set(cluster, State.ZEROES);
          }
          position = fullEnd;
          continue;
        }
        long pieceEnd = Math.min(end, clusterEnd(position));
        int pieceLength = (int) (pieceEnd - position);
        switch (states.get(cluster(position))) {
          case ZEROES -> {}
          case OVERLAY -> writeOverlay(position, ByteBuffer.wrap(ZEROES, 0, pieceLength));
          case BASE -> {
            ByteBuffer cluster = clusterContent(cluster(position));
            int from = (int) (position - clusterStart(position));
            cluster.put(from, ZEROES, 0, pieceLength);
            writeOverlay(clusterStart(position), cluster);
            markOverlay(position, pieceEnd);
          }
        }
        position = pieceEnd;
      }
    }
  }

  /**
   * Clusters in the overlay are data, zeroed clusters are holes reading as zeroes, and the rest is
   * what the base reports.
   */
  @Override
  public List<Extent> allocation(long offset, long length) throws IOException {
    long end = checkedEnd(offset, length);
    List<Extent> extents = new ArrayList<>();
    try (HeldLocks held = lock(offset, end, false)) {
      long position = offset;
      while (position < end) {
        State state = states.get(cluster(position));
        long runEnd = runEnd(position, end, state);
        switch (state) {
          case OVERLAY -> append(extents, new Extent(position, runEnd - position, DATA));
          case ZEROES -> append(extents, new Extent(position, runEnd - position, HOLE_AND_ZERO));
          case BASE -> appendBase(extents, position, runEnd);
        }
        position = runEnd;
      }
    }
    return extents;
  }

  /** Nothing to do: the overlay does not outlive this object (see the class comment). */
  @Override
  public void flush() {}

  /**
   * Closes and deletes the overlay; the guest's writes are gone. Call it after the server serving
   * this backend was closed. Does not close the base.
   */
  @Override
  public void close() throws IOException {
    try {
      overlay.close();
    } finally {
      Files.deleteIfExists(overlayPath);
    }
  }

  private void appendBase(List<Extent> extents, long from, long to) throws IOException {
    long position = from;
    while (position < to) {
      List<Extent> reported = base.allocation(position, to - position);
      long before = position;
      for (Extent extent : reported) {
        if (extent.offset() != position || extent.length() <= 0) {
          throw new IOException(
              "Cannot report the allocation of the overlay's base: its extents do not follow on"
                  + " from offset "
                  + position);
        }
        long length = Math.min(extent.length(), to - position);
        append(extents, new Extent(position, length, extent.flags()));
        position += length;
        if (position >= to) {
          break;
        }
      }
      if (position == before) {
        throw new IOException(
            "Cannot report the allocation of the overlay's base: no extents at offset " + position);
      }
    }
  }

  /** Appends, merging with the last extent when the flags match. */
  private static void append(List<Extent> extents, Extent extent) {
    if (!extents.isEmpty()) {
      Extent last = extents.getLast();
      if (last.flags() == extent.flags() && last.end() == extent.offset()) {
        extents.set(
            extents.size() - 1,
            new Extent(last.offset(), last.length() + extent.length(), last.flags()));
        return;
      }
    }
    extents.add(extent);
  }

  /** The cluster's current content, for a partial write to merge into. */
  private ByteBuffer clusterContent(long cluster) throws IOException {
    long start = cluster * CLUSTER_SIZE;
    ByteBuffer content = ByteBuffer.allocate((int) (Math.min(size, start + CLUSTER_SIZE) - start));
    if (states.get(cluster) == State.BASE) {
      base.read(start, content.duplicate());
    }
    return content;
  }

  private void markOverlay(long from, long to) {
    for (long cluster = cluster(from); cluster < clusterCount(to); cluster++) {
      states.set(cluster, State.OVERLAY);
    }
  }

  private void readOverlay(long position, ByteBuffer target) throws IOException {
    long at = position;
    while (target.hasRemaining()) {
      int read = overlay.read(target, at);
      if (read < 0) {
        throw new EOFException(
            "Cannot read the copy-on-write overlay " + overlayPath + ": it ends at " + at);
      }
      at += read;
    }
  }

  private void writeOverlay(long position, ByteBuffer data) throws IOException {
    long at = position;
    while (data.hasRemaining()) {
      at += overlay.write(data, at);
    }
  }

  /** The end of the run of clusters from {@code position} sharing {@code state}, within end. */
  private long runEnd(long position, long end, State state) {
    long runEnd = clusterEnd(position);
    while (runEnd < end && states.get(cluster(runEnd)) == state) {
      runEnd = clusterEnd(runEnd);
    }
    return Math.min(runEnd, end);
  }

  /**
   * The end of the whole clusters covered from {@code position} (a cluster start) to {@code end};
   * {@code position} itself when it does not start a cluster that is covered whole. The last
   * cluster of an export whose size is not a multiple of the cluster size ends at the size.
   */
  private long fullClustersEnd(long position, long end) {
    if (position % CLUSTER_SIZE != 0) {
      return position;
    }
    long fullEnd = end == size ? end : end - end % CLUSTER_SIZE;
    return Math.max(position, fullEnd);
  }

  private long clusterEnd(long position) {
    return Math.min(size, clusterStart(position) + CLUSTER_SIZE);
  }

  private static long clusterStart(long position) {
    return position - position % CLUSTER_SIZE;
  }

  private static long cluster(long position) {
    return position / CLUSTER_SIZE;
  }

  /** The number of clusters before {@code end}, counting a partial last one. */
  private static long clusterCount(long end) {
    return (end + CLUSTER_SIZE - 1) / CLUSTER_SIZE;
  }

  private static void zero(ByteBuffer piece) {
    for (int at = 0; at < piece.remaining(); at += ZEROES.length) {
      piece.put(at, ZEROES, 0, Math.min(ZEROES.length, piece.remaining() - at));
    }
  }

  private long checkedEnd(long offset, long length) {
    if (offset < 0 || length < 0 || offset > size || length > size - offset) {
      throw new IllegalArgumentException(
          "Cannot access " + length + " bytes at " + offset + " of a " + size + "-byte export");
    }
    return offset + length;
  }

  /**
   * Locks the stripes of the clusters in {@code [offset, end)}, in ascending stripe order so two
   * operations never wait for each other in a cycle.
   */
  private HeldLocks lock(long offset, long end, boolean exclusive) {
    if (offset >= end) {
      return new HeldLocks(new Lock[0]);
    }
    long first = cluster(offset);
    long count = clusterCount(end) - first;
    int[] indexes;
    if (count >= STRIPES) {
      indexes = new int[STRIPES];
      Arrays.setAll(indexes, i -> i);
    } else {
      indexes = new int[(int) count];
      Arrays.setAll(indexes, i -> (int) ((first + i) % STRIPES));
      Arrays.sort(indexes);
    }
    Lock[] locks = new Lock[indexes.length];
    for (int i = 0; i < indexes.length; i++) {
      ReentrantReadWriteLock stripe = stripes[indexes[i]];
      locks[i] = exclusive ? stripe.writeLock() : stripe.readLock();
      locks[i].lock();
    }
    return new HeldLocks(locks);
  }

  private record HeldLocks(Lock[] locks) implements AutoCloseable {
    @Override
    public void close() {
      for (int i = locks.length - 1; i >= 0; i--) {
        locks[i].unlock();
      }
    }
  }
}
