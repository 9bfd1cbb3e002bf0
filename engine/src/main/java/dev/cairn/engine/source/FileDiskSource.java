package dev.cairn.engine.source;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A raw disk image file or a block device, read with positional reads. */
public final class FileDiskSource implements DiskSource {
  private final Path path;
  private final FileChannel channel;
  private final long size;

  private FileDiskSource(Path path, FileChannel channel, long size) {
    this.path = path;
    this.channel = channel;
    this.size = size;
  }

  /**
   * Opens {@code path} for reading.
   *
   * @throws CairnException with {@link ErrorCode#SOURCE_FAILED} naming the path if it does not
   *     exist, cannot be read, or is a directory
   */
  public static FileDiskSource open(Path path) throws CairnException {
    if (Files.isDirectory(path)) {
      throw new CairnException(
          ErrorCode.SOURCE_FAILED, "Cannot read disk " + path + ": it is a directory");
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new CairnException(
          ErrorCode.SOURCE_FAILED, "Cannot read disk " + path + ": no such file or device");
    } catch (AccessDeniedException e) {
      throw new CairnException(
          ErrorCode.SOURCE_FAILED, "Cannot read disk " + path + ": permission denied");
    } catch (IOException e) {
      throw new CairnException(
          ErrorCode.SOURCE_FAILED, "Cannot read disk " + path + ": " + e.getMessage(), e);
    }
    try {
      return new FileDiskSource(path, channel, channel.size());
    } catch (IOException e) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // reporting the first failure
      }
      throw new CairnException(
          ErrorCode.SOURCE_FAILED, "Cannot read the size of disk " + path + ": " + e.getMessage());
    }
  }

  @Override
  public String name() {
    return path.getFileName() == null ? path.toString() : path.getFileName().toString();
  }

  @Override
  public String description() {
    return path.toAbsolutePath().toString();
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void read(long position, byte[] target, int offset, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(target, offset, length);
    long at = position;
    try {
      while (buffer.hasRemaining()) {
        // Slices keep the JDK's temporary direct buffer for heap reads at 1 MiB.
        ByteBuffer slice = buffer.slice();
        slice.limit(Math.min(slice.remaining(), 1024 * 1024));
        int read = channel.read(slice, at);
        if (read > 0) {
          buffer.position(buffer.position() + read);
        }
        if (read < 0) {
          throw new CairnException(
              ErrorCode.SOURCE_FAILED,
              "Cannot read disk "
                  + path
                  + " at offset "
                  + at
                  + ": it ends there, but was "
                  + size
                  + " bytes when the backup started (did it shrink?)");
        }
        at += read;
      }
    } catch (CairnException e) {
      throw e;
    } catch (IOException e) {
      throw new CairnException(
          ErrorCode.SOURCE_FAILED,
          "Cannot read disk " + path + " at offset " + at + ": " + e.getMessage(),
          e);
    }
  }

  @Override
  public java.util.Optional<java.util.List<ChangedExtents.Extent>> allocatedExtents() {
    return Files.isRegularFile(path)
        ? SparseFiles.dataExtents(path, size)
        : java.util.Optional.empty();
  }

  @Override
  public long currentSize() throws IOException {
    return channel.size();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
