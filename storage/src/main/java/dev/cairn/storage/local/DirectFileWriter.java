package dev.cairn.storage.local;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file through two channels: one opened with O_DIRECT for the aligned bulk of each write,
 * one through the page cache for what is left (an unaligned head or tail, and everything on a file
 * system that refuses O_DIRECT, such as tmpfs).
 *
 * <p>Why: on the virtual disks Cairn is measured on, copying a backup's packs or a restored disk
 * into the page cache and writing it back cost more CPU than compressing it (docs/benchmarks.md,
 * "Writing around the page cache"). Written once and not read back soon, such data gains nothing
 * from the cache, and pushing it through would evict what the machine's other work had cached.
 *
 * <p>Contract: {@link #write} writes every remaining byte at the position, whichever channel takes
 * it; a direct write that the file system rejects (EINVAL on an alignment it did not announce) is
 * redone through the page cache and O_DIRECT is not tried again on this file. {@link #force()}
 * makes everything written durable (one fsync covers both channels: they share the inode). Data
 * that is not a page-aligned direct buffer is copied, 1 MiB at a time, into an aligned buffer
 * first: a copy in memory is cheaper than the kernel's copy into the page cache. Thread-safe for
 * disjoint ranges, like a {@link FileChannel}.
 */
public final class DirectFileWriter implements AutoCloseable {
  /** Set to true ({@code -Dcairn.noDirectIo=true}) to write everything through the page cache. */
  public static final String DISABLE_PROPERTY = "cairn.noDirectIo";

  /** Direct writes are aligned to at least this, whatever the file system reports. */
  private static final int MINIMUM_ALIGNMENT = 4096;

  private final Path file;
  private final FileChannel buffered;
  private final int alignment;
  private final FileChannel direct; // null when the file system refused O_DIRECT at open

  /**
   * Set once a direct write was rejected; the channel stays open until {@link #close()}, so that a
   * thread writing through it at that moment finishes rather than failing on a closed channel.
   */
  private volatile boolean directRejected;

  private DirectFileWriter(Path file, FileChannel buffered, FileChannel direct, int alignment) {
    this.file = file;
    this.buffered = buffered;
    this.direct = direct;
    this.alignment = alignment;
  }

  /**
   * Opens {@code file} with {@code options} (which must include {@link StandardOpenOption#WRITE}
   * and may create it), then opens it again with O_DIRECT where the file system allows.
   */
  public static DirectFileWriter open(Path file, OpenOption... options) throws IOException {
    return open(file, 0, options);
  }

  /**
   * As {@link #open(Path, OpenOption...)}, aligning direct writes to {@code assumedAlignment}
   * instead of what the file system reports when it is positive: tests use a smaller one than the
   * file system enforces, to see a rejected direct write fall back to the page cache.
   */
  static DirectFileWriter open(Path file, int assumedAlignment, OpenOption... options)
      throws IOException {
    FileChannel buffered = FileChannel.open(file, options);
    FileChannel direct = null;
    int alignment = 0;
    if (!Boolean.getBoolean(DISABLE_PROPERTY)) {
      try {
        long reported = Files.getFileStore(file).getBlockSize();
        alignment =
            assumedAlignment > 0 ? assumedAlignment : (int) Math.max(MINIMUM_ALIGNMENT, reported);
        if (Long.bitCount(reported) == 1 && alignment <= AlignedBuffers.ALIGNMENT) {
          direct = FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
        }
      } catch (IOException | UnsupportedOperationException e) {
        direct = null; // e.g. tmpfs answers EINVAL: the page cache serves
      }
    }
    return new DirectFileWriter(file, buffered, direct, direct == null ? 0 : alignment);
  }

  /** The file being written. */
  public Path file() {
    return file;
  }

  /** Whether writes still go around the page cache (for tests and diagnostics). */
  public boolean isDirect() {
    return direct != null && !directRejected;
  }

  /** Writes {@code data}'s remaining bytes at {@code position}; on return the buffer is drained. */
  public void write(long position, ByteBuffer data) throws IOException {
    long at = position;
    if (isDirect() && at % alignment == 0 && data.remaining() >= alignment) {
      int aligned = data.remaining() - data.remaining() % alignment;
      ByteBuffer bulk = data.slice(data.position(), aligned);
      if (writeDirect(at, bulk)) {
        data.position(data.position() + aligned);
        at += aligned;
      }
    }
    while (data.hasRemaining()) {
      // The JDK copies a heap buffer into a temporary direct buffer of the write's size: slices
      // keep that small (a 16 MiB pack would otherwise cost 16 MiB of native memory per write).
      ByteBuffer slice = data.slice();
      if (!slice.isDirect()) {
        slice.limit(Math.min(slice.remaining(), AlignedBuffers.SIZE));
      }
      int written = buffered.write(slice, at);
      data.position(data.position() + written);
      at += written;
    }
  }

  /**
   * Writes all of {@code bulk} (a multiple of the alignment) at an aligned position with O_DIRECT,
   * or returns false having written nothing that matters: a failed direct write is redone by the
   * caller through the page cache, over whatever part of it reached the disk.
   */
  private boolean writeDirect(long position, ByteBuffer bulk) throws IOException {
    try {
      if (bulk.isDirect() && bulk.alignmentOffset(0, alignment) == 0) {
        long at = position;
        while (bulk.hasRemaining()) {
          at += direct.write(bulk, at);
        }
        return true;
      }
      ByteBuffer bounce = AlignedBuffers.take();
      try {
        long at = position;
        while (bulk.hasRemaining()) {
          int n = Math.min(bounce.capacity(), bulk.remaining());
          bounce.clear().put(0, bulk, bulk.position(), n).limit(n);
          bulk.position(bulk.position() + n);
          while (bounce.hasRemaining()) {
            at += direct.write(bounce, at);
          }
        }
        return true;
      } finally {
        AlignedBuffers.giveBack(bounce);
      }
    } catch (IOException e) {
      if (!isInvalidArgument(e)) {
        throw e;
      }
      directRejected = true; // the file system took O_DIRECT at open but not this write
      return false;
    }
  }

  private static boolean isInvalidArgument(IOException e) {
    String message = e.getMessage();
    return message != null
        && (message.contains("Invalid argument") || message.contains("not a multiple"));
  }

  /** Makes every byte written durable, with the file's metadata. */
  public void force() throws IOException {
    buffered.force(true);
  }

  @Override
  public void close() throws IOException {
    try {
      if (direct != null) {
        direct.close();
      }
    } finally {
      buffered.close();
    }
  }
}
