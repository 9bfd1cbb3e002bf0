package dev.cairn.engine.restore;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a restored disk is written: a file, a block device or an NBD export. The restore engine
 * writes every data block once, in no particular order, from several threads at once (disjoint
 * ranges), then calls {@link #flush()} and {@link #commit()}; {@link #close()} is always called and
 * undoes an uncommitted file target.
 */
public interface RestoreTarget extends AutoCloseable {
  /** The target for messages: path or URL, never secrets. */
  String description();

  /**
   * Whether blocks that are holes in the restore point must be written as zeros ({@link #zero})
   * because the target may hold old data. False for a new sparse file, which reads as zeros.
   */
  boolean holesNeedZeroing();

  /** Writes {@code data.remaining()} bytes at {@code position}. Thread-safe. */
  void write(long position, ByteBuffer data) throws IOException;

  /** Makes {@code length} bytes at {@code position} read as zeros, sparsely where it can. */
  void zero(long position, long length) throws IOException;

  /** Makes everything written durable. */
  void flush() throws IOException;

  /** Marks the restore complete (a file target is renamed into place). */
  default void commit() throws IOException {}

  @Override
  void close() throws IOException;
}
