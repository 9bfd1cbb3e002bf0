package dev.cairn.engine.restore;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.storage.local.DirectFileWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A regular file or a block device. A file is written under a temporary name next to it, left
 * sparse (holes are never written), and renamed into place only by {@link #commit()}, so a failed
 * restore never leaves a file that looks whole. A device gets holes written as zeros, since it may
 * hold old data. Aligned runs are written with O_DIRECT where the file system allows (see {@link
 * DirectFileWriter}): a restored disk is not read back soon, and the page-cache copy and write-back
 * were most of a restore's time.
 */
public final class FileRestoreTarget implements RestoreTarget {
  private static final int ZERO_CHUNK = 1 << 20;
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_CHUNK);

  private final Path target;
  private final Path partial; // null for a device
  private final boolean overwrite;
  private final DirectFileWriter writer;
  private boolean committed;

  private FileRestoreTarget(Path target, Path partial, boolean overwrite, DirectFileWriter writer) {
    this.target = target;
    this.partial = partial;
    this.overwrite = overwrite;
    this.writer = writer;
  }

  /**
   * Opens {@code target} for a disk of {@code sizeBytes}.
   *
   * @param overwrite replace an existing regular file (never needed for a block device)
   * @throws CairnException naming the target if it is a directory, exists without {@code
   *     overwrite}, or its directory does not exist
   */
  public static FileRestoreTarget open(Path target, long sizeBytes, boolean overwrite)
      throws IOException {
    if (Files.isDirectory(target)) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot restore to " + target + ": it is a directory");
    }
    boolean device = Files.exists(target) && !Files.isRegularFile(target);
    if (device) {
      return new FileRestoreTarget(
          target, null, false, DirectFileWriter.open(target, StandardOpenOption.WRITE));
    }
    if (Files.exists(target) && !overwrite) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot restore to " + target + ": the file exists (use --overwrite to replace it)");
    }
    Path directory = target.toAbsolutePath().getParent();
    if (directory == null || !Files.isDirectory(directory)) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot restore to " + target + ": directory " + directory + " does not exist");
    }
    Path partial =
        directory.resolve(
            "." + target.getFileName() + ".cairn-partial-" + ProcessHandle.current().pid());
    Files.deleteIfExists(partial);
    DirectFileWriter writer =
        DirectFileWriter.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try (RandomAccessFile file = new RandomAccessFile(partial.toFile(), "rw")) {
      // Extending the file without writing leaves a hole: zero blocks cost no space.
      file.setLength(sizeBytes);
    } catch (IOException e) {
      writer.close();
      Files.deleteIfExists(partial);
      throw e;
    }
    return new FileRestoreTarget(target, partial, overwrite, writer);
  }

  @Override
  public String description() {
    return target.toString();
  }

  @Override
  public boolean holesNeedZeroing() {
    return partial == null;
  }

  @Override
  public void write(long position, ByteBuffer data) throws IOException {
    writer.write(position, data);
  }

  @Override
  public void zero(long position, long length) throws IOException {
    for (long done = 0; done < length; ) {
      int count = (int) Math.min(ZERO_CHUNK, length - done);
      write(position + done, ZEROS.slice(0, count));
      done += count;
    }
  }

  @Override
  public void flush() throws IOException {
    writer.force();
  }

  @Override
  public void commit() throws IOException {
    writer.close();
    if (partial != null) {
      if (overwrite) {
        Files.move(
            partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    committed = true;
  }

  @Override
  public void close() throws IOException {
    writer.close();
    if (partial != null && !committed) {
      Files.deleteIfExists(partial);
    }
  }
}
