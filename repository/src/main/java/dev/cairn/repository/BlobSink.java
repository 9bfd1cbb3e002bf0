package dev.cairn.repository;

import dev.cairn.repository.compression.Compressor;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.index.ChunkIndex;
import dev.cairn.repository.index.IndexFile;
import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.BlobType;
import dev.cairn.repository.pack.Compression;
import dev.cairn.repository.pack.PackBuffers;
import dev.cairn.repository.pack.PackKind;
import dev.cairn.repository.pack.PackWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The write path of one session (a backup, a prune's repack): deduplicates chunks against the
 * index, compresses and encrypts them into packs, uploads finished packs on virtual threads and
 * writes index objects for packs once they are durable.
 *
 * <p>Ordering guarantee, on which the commit protocol rests: an index object is written only after
 * every pack it names has been created, and {@link #flush} returns only when every chunk stored so
 * far is in a durable pack named by a durable index object. Only then may a restore point that
 * references those chunks be committed.
 *
 * <p>Memory is bounded: data packs are built in a fixed set of pack buffers ({@link PackBuffers}:
 * one per writer, at most four writers, plus {@link #UPLOADS_IN_FLIGHT} for packs being uploaded),
 * and packs are stored straight from those buffers without a copy. Thread-safe.
 */
public final class BlobSink implements AutoCloseable {
  /** Finished packs that may wait for upload at once. */
  public static final int UPLOADS_IN_FLIGHT = 2;

  /** Packs per index object: a crash loses at most this many packs' worth of index. */
  private static final int PACKS_PER_INDEX = 64;

  private static final ThreadLocal<byte[]> SCRATCH = new ThreadLocal<>();

  private final Repository repository;
  private final ChunkIndex index;
  private final BlockingQueue<PackWriter> dataWriters;
  private final PackWriter treeWriter;
  private final Semaphore uploads = new Semaphore(UPLOADS_IN_FLIGHT);
  private final AtomicReference<IOException> failure = new AtomicReference<>();
  private final List<IndexFile.PackEntries> unindexed = new ArrayList<>();
  private final AtomicLong storedBytes = new AtomicLong();
  private final AtomicLong storedChunks = new AtomicLong();
  private final AtomicLong packsWritten = new AtomicLong();

  /**
   * Open data packs at most: encryption into a pack is fast, so a few writers serve many workers.
   */
  private static final int MAXIMUM_DATA_WRITERS = 4;

  private final PackBuffers dataBuffers;
  private final PackBuffers treeBuffers;

  /** Chunks added to the index since the start of the last flush that succeeded. */
  private final AtomicLong unflushedChunks = new AtomicLong();

  BlobSink(Repository repository, ChunkIndex index, int dataWriterCount) {
    this.repository = repository;
    this.index = index;
    int target = repository.config().packTargetSize();
    int writers = Math.max(1, Math.min(dataWriterCount, MAXIMUM_DATA_WRITERS));
    this.dataBuffers = new PackBuffers(target + 256 * 1024, writers + UPLOADS_IN_FLIGHT);
    this.treeBuffers = PackBuffers.unbounded(1024 * 1024);
    this.dataWriters = new ArrayBlockingQueue<>(writers);
    for (int i = 0; i < writers; i++) {
      dataWriters.add(
          new PackWriter(
              repository.cipher(), repository.random(), target, PackKind.DATA, dataBuffers));
    }
    this.treeWriter =
        new PackWriter(
            repository.cipher(), repository.random(), target, PackKind.TREE, treeBuffers);
  }

  /**
   * What storing one chunk did.
   *
   * @param id the chunk's id
   * @param stored true if it was new and written, false if the repository already had it
   * @param storedLength bytes added to a pack (0 when deduplicated)
   * @param compressedLength zstd length when compressed, -1 when kept raw or deduplicated
   */
  public record Stored(ChunkId id, boolean stored, int storedLength, int compressedLength) {}

  /** Hashes {@code data[offset, offset+length)} and stores it unless already present. */
  public Stored store(BlobType type, byte[] data, int offset, int length) throws IOException {
    ChunkId id = repository.hasher().hash(data, offset, length);
    return store(id, type, data, offset, length);
  }

  /** Stores a chunk whose id the caller computed (it must be the keyed hash of the data). */
  public Stored store(ChunkId id, BlobType type, byte[] data, int offset, int length)
      throws IOException {
    throwIfFailed();
    if (index.contains(id)) {
      return new Stored(id, false, 0, -1);
    }
    byte[] scratch = scratch(length);
    int compressed = Compressor.compressIfWorthwhile(data, offset, length, scratch, 0);
    if (type == BlobType.TREE) {
      synchronized (treeWriter) {
        return add(treeWriter, id, type, data, offset, length, scratch, compressed);
      }
    }
    PackWriter writer;
    try {
      writer = dataWriters.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while storing chunk " + id);
    }
    try {
      return add(writer, id, type, data, offset, length, scratch, compressed);
    } finally {
      dataWriters.add(writer);
    }
  }

  private Stored add(
      PackWriter writer,
      ChunkId id,
      BlobType type,
      byte[] data,
      int offset,
      int length,
      byte[] scratch,
      int compressed)
      throws IOException {
    BlobEntry entry =
        compressed >= 0
            ? writer.add(id, type, Compression.ZSTD, length, scratch, 0, compressed)
            : writer.add(id, type, Compression.NONE, length, data, offset, length);
    if (!index.addIfAbsent(writer.currentId(), entry)) {
      // Another worker stored the same chunk a moment earlier: this copy is unreferenced garbage.
      return new Stored(id, false, 0, -1);
    }
    storedBytes.addAndGet(entry.storedLength());
    storedChunks.incrementAndGet();
    unflushedChunks.incrementAndGet();
    if (writer.isFull()) {
      upload(writer.finish());
    }
    return new Stored(id, true, entry.storedLength(), compressed);
  }

  /** Stores an encoded block-map page as a TREE blob; returns its id. */
  public ChunkId storeTree(byte[] page) throws IOException {
    return store(BlobType.TREE, page, 0, page.length).id();
  }

  /**
   * Finishes every open pack, waits until all packs are durable and writes the index objects that
   * name them. After it returns, every chunk stored so far may be referenced by a restore point.
   *
   * @throws IOException the first upload or index failure, naming the object
   */
  public void flush() throws IOException {
    long flushing = unflushedChunks.get();
    List<PackWriter> writers = new ArrayList<>();
    dataWriters.drainTo(writers);
    try {
      for (PackWriter writer : writers) {
        if (!writer.isEmpty()) {
          upload(writer.finish());
        }
      }
    } finally {
      dataWriters.addAll(writers);
    }
    synchronized (treeWriter) {
      if (!treeWriter.isEmpty()) {
        upload(treeWriter.finish());
      }
    }
    try {
      uploads.acquire(UPLOADS_IN_FLIGHT);
      uploads.release(UPLOADS_IN_FLIGHT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while waiting for pack uploads");
    }
    throwIfFailed();
    writeIndex();
    unflushedChunks.addAndGet(-flushing);
  }

  public long storedBytes() {
    return storedBytes.get();
  }

  public long storedChunks() {
    return storedChunks.get();
  }

  public long packsWritten() {
    return packsWritten.get();
  }

  private void upload(PackWriter.FinishedPack pack) throws IOException {
    try {
      uploads.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while uploading " + pack.id());
    }
    Thread.ofVirtual()
        .name("upload-" + pack.id().hex().substring(0, 8))
        .start(
            () -> {
              try {
                if (failure.get() == null) {
                  repository.store().create(pack.id().objectName(), pack.content());
                  packsWritten.incrementAndGet();
                  boolean indexDue;
                  synchronized (unindexed) {
                    unindexed.add(new IndexFile.PackEntries(pack.id(), pack.entries()));
                    indexDue = unindexed.size() >= PACKS_PER_INDEX;
                  }
                  if (indexDue) {
                    writeIndex();
                  }
                }
              } catch (IOException e) {
                failure.compareAndSet(null, naming(pack.id().objectName(), "upload pack", e));
              } catch (RuntimeException e) {
                failure.compareAndSet(null, new IOException("Cannot upload " + pack.id(), e));
              } finally {
                (pack.id().kind() == PackKind.DATA ? dataBuffers : treeBuffers).give(pack.buffer());
                uploads.release();
              }
            });
  }

  private void writeIndex() throws IOException {
    List<IndexFile.PackEntries> batch;
    synchronized (unindexed) {
      if (unindexed.isEmpty()) {
        return;
      }
      batch = List.copyOf(unindexed);
      unindexed.clear();
    }
    try {
      repository.writeIndexFile(new IndexFile(batch));
    } catch (IOException | RuntimeException e) {
      // The batch's chunks are now in no durable index: the session must not report success, and
      // close must drop the in-memory index that still lists them.
      failure.compareAndSet(
          null, e instanceof IOException io ? io : new IOException("Cannot write an index", e));
      throw e;
    }
  }

  /**
   * {@code e} if its message already names {@code objectName}, else an exception whose message
   * names it ("Cannot upload pack packs/data/..: No space left on device"), so that every failure
   * says which object could not be written whatever the store put in its message.
   */
  private IOException naming(String objectName, String action, IOException e) {
    String message = e.getMessage();
    if (message != null && message.contains(objectName)) {
      return e;
    }
    return new IOException(
        "Cannot " + action + " " + objectName + " to " + repository.location() + ": " + message, e);
  }

  private void throwIfFailed() throws IOException {
    IOException e = failure.get();
    if (e != null) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private static byte[] scratch(int length) {
    int needed = Compressor.maximumCompressedLength(length);
    byte[] scratch = SCRATCH.get();
    if (scratch == null || scratch.length < needed) {
      scratch = new byte[Math.max(needed, Compressor.maximumCompressedLength(64 * 1024))];
      SCRATCH.set(scratch);
    }
    return scratch;
  }

  /**
   * Ends the session. Chunks stored since the last successful {@link #flush} are in no durable
   * index; the in-memory index still lists them, so it is dropped and reloaded on next use, and
   * whatever packs were written become garbage for prune.
   */
  @Override
  public void close() {
    // Counting chunks rather than looking at the writers: a writer a worker has taken from the
    // queue, or a pack still being uploaded, is in no writer the queue shows.
    if (failure.get() != null || unflushedChunks.get() != 0) {
      repository.invalidateIndex();
    }
  }
}
