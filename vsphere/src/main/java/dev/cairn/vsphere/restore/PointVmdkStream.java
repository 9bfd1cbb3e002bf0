package dev.cairn.vsphere.restore;

import dev.cairn.engine.progress.ProgressCounter;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.restore.DiskReader;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.vsphere.transport.StreamOptimizedVmdkWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One disk of a restore point as a stream-optimised VMDK: holes are skipped without reading, data
 * grains are read and deflated by several workers, and written in order. Memory is bounded by the
 * window of grains in flight (a few per worker), whatever the disk's size. Every chunk is verified
 * as it is read. The caller holds the repository's shared lock for the duration.
 */
public final class PointVmdkStream {
  private static final int GRAIN = StreamOptimizedVmdkWriter.GRAIN_BYTES;
  private static final byte[] ZEROS = new byte[GRAIN];

  private final Repository repository;
  private final RestorePoint point;
  private final int diskIndex;
  private final int workerCount;
  private final ProgressListener progress;

  /** What was streamed. */
  public record Result(long capacityBytes, long dataGrains, long streamBytes) {}

  public PointVmdkStream(
      Repository repository,
      RestorePoint point,
      int diskIndex,
      int workerCount,
      ProgressListener progress) {
    this.repository = repository;
    this.point = point;
    this.diskIndex = diskIndex;
    this.workerCount = Math.max(1, workerCount);
    this.progress = progress;
  }

  /**
   * Writes the disk to {@code out} (not closed).
   *
   * @param fileName the file name for the VMDK's descriptor
   * @param adapterType the descriptor's adapter type ("lsilogic", "ide"...)
   * @throws IOException naming the chunk or the output when reading or writing fails
   */
  public Result writeTo(OutputStream out, String fileName, String adapterType) throws IOException {
    DiskReader scanner = new DiskReader(repository, point, diskIndex);
    long capacity = scanner.size();
    int blockSize = point.disks().get(diskIndex).blockSize();
    CountingStream counted = new CountingStream(out);
    StreamOptimizedVmdkWriter writer =
        new StreamOptimizedVmdkWriter(counted, capacity, fileName, adapterType);
    long grains = (capacity + GRAIN - 1) / GRAIN;
    ProgressCounter counter = new ProgressCounter(progress, "restore", capacity);
    int window = workerCount * 4;
    ThreadLocal<DiskReader> readers =
        ThreadLocal.withInitial(
            () -> {
              try {
                return new DiskReader(repository, point, diskIndex);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    ExecutorService workers =
        Executors.newFixedThreadPool(
            workerCount, Thread.ofPlatform().name("vmdk-worker-", 0).daemon().factory());
    ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    long dataGrains = 0;
    try {
      for (long grain = 0; grain < grains; grain++) {
        long start = grain * GRAIN;
        int length = (int) Math.min(GRAIN, capacity - start);
        if (allHoles(scanner, start, length, blockSize)) {
          counter.add(length);
          continue;
        }
        long at = grain;
        inFlight.add(
            new Pending(at, length, workers.submit(() -> compressed(readers.get(), at, length))));
        if (inFlight.size() >= window) {
          dataGrains += drainOne(inFlight, writer, counter);
        }
      }
      while (!inFlight.isEmpty()) {
        dataGrains += drainOne(inFlight, writer, counter);
      }
      writer.finish();
    } finally {
      for (Pending pending : inFlight) {
        pending.future.cancel(true);
      }
      workers.shutdownNow();
    }
    return new Result(capacity, dataGrains, counted.count);
  }

  private record Pending(long grain, int length, Future<byte[]> future) {}

  private static int drainOne(
      ArrayDeque<Pending> inFlight, StreamOptimizedVmdkWriter writer, ProgressCounter counter)
      throws IOException {
    Pending pending = inFlight.poll();
    byte[] compressed;
    try {
      compressed = pending.future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while streaming a disk");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof UncheckedIOException unchecked) {
        cause = unchecked.getCause();
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException("Cannot stream grain " + pending.grain + ": " + cause, cause);
    }
    counter.add(pending.length);
    if (compressed == null) {
      return 0;
    }
    writer.writeGrain(pending.grain, compressed);
    return 1;
  }

  /** The grain deflated, or null when its data blocks hold only zeros. */
  private static byte[] compressed(DiskReader reader, long grain, int length) throws IOException {
    byte[] data = new byte[GRAIN];
    reader.read(grain * GRAIN, data, 0, length);
    if (Arrays.equals(data, ZEROS)) {
      return null;
    }
    return StreamOptimizedVmdkWriter.compress(data, 0, GRAIN);
  }

  private static boolean allHoles(DiskReader scanner, long start, int length, int blockSize)
      throws IOException {
    for (long at = start - start % blockSize; at < start + length; at += blockSize) {
      if (!scanner.isHole(at)) {
        return false;
      }
    }
    return true;
  }

  private static final class CountingStream extends OutputStream {
    private final OutputStream out;
    private long count;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }
  }
}
