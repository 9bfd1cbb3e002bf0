package dev.cairn.engine.restore;

import dev.cairn.nbd.NbdUrl;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.client.NbdClientOptions;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * An NBD export written by a restore (for example a new qcow2 served by qemu-nbd). Holes become
 * WRITE_ZEROES, which lets the server punch holes, so a sparse target stays sparse (a server
 * without WRITE_ZEROES gets written zeros). Several connections when the server allows multi-conn;
 * every connection is flushed at the end.
 */
public final class NbdRestoreTarget implements RestoreTarget {
  private static final int ZERO_CHUNK = 1 << 20;

  private final NbdUrl url;
  private final List<NbdClient> connections;
  private final BlockingQueue<NbdClient> idle;
  private final boolean writeZeroes;

  private NbdRestoreTarget(NbdUrl url, List<NbdClient> connections) {
    this.url = url;
    this.connections = List.copyOf(connections);
    this.idle = new ArrayBlockingQueue<>(connections.size(), false, connections);
    this.writeZeroes = connections.getFirst().canWriteZeroes();
  }

  /**
   * Connects to {@code url} for a disk of {@code sizeBytes}.
   *
   * @throws CairnException naming the URL if it cannot be reached, is read-only or is smaller than
   *     the disk
   */
  public static NbdRestoreTarget open(
      NbdUrl url, long sizeBytes, NbdClientOptions options, int connections) throws IOException {
    List<NbdClient> opened = new ArrayList<>();
    try {
      NbdClient first = NbdClient.connect(url, options);
      opened.add(first);
      if (first.readOnly()) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT, "Cannot restore to " + url + ": the export is read-only");
      }
      if (first.size() < sizeBytes) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT,
            "Cannot restore to "
                + url
                + ": the export has "
                + first.size()
                + " bytes but the disk needs "
                + sizeBytes);
      }
      int count = first.canMultiConn() ? Math.max(1, connections) : 1;
      for (int i = 1; i < count; i++) {
        opened.add(NbdClient.connect(url, options));
      }
      return new NbdRestoreTarget(url, opened);
    } catch (CairnException e) {
      closeAll(opened);
      throw e;
    } catch (IOException e) {
      closeAll(opened);
      throw new CairnException(
          ErrorCode.TARGET_FAILED, "Cannot restore to " + url + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String description() {
    return url.toString();
  }

  @Override
  public boolean holesNeedZeroing() {
    return true; // an export may hold old data
  }

  @Override
  public void write(long position, ByteBuffer data) throws IOException {
    NbdClient client = borrow();
    try {
      client.write(position, data);
    } catch (IOException e) {
      throw failure("write", position, e);
    } finally {
      idle.add(client);
    }
  }

  @Override
  public void zero(long position, long length) throws IOException {
    NbdClient client = borrow();
    try {
      if (writeZeroes) {
        for (long done = 0; done < length; ) {
          long count = Math.min(1L << 30, length - done);
          client.writeZeroes(position + done, count);
          done += count;
        }
      } else {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK, length));
        for (long done = 0; done < length; ) {
          int count = (int) Math.min(zeros.capacity(), length - done);
          client.write(position + done, zeros.clear().limit(count));
          done += count;
        }
      }
    } catch (IOException e) {
      throw failure("zero", position, e);
    } finally {
      idle.add(client);
    }
  }

  @Override
  public void flush() throws IOException {
    for (NbdClient client : connections) {
      if (client.canFlush()) {
        try {
          client.flush();
        } catch (IOException e) {
          throw failure("flush", 0, e);
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    closeAll(connections);
  }

  private CairnException failure(String action, long position, IOException e) {
    return new CairnException(
        ErrorCode.TARGET_FAILED,
        "Cannot " + action + " " + url + " at offset " + position + ": " + e.getMessage(),
        e);
  }

  private NbdClient borrow() throws IOException {
    try {
      return idle.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while writing " + url);
    }
  }

  private static void closeAll(List<NbdClient> clients) {
    for (NbdClient client : clients) {
      try {
        client.close();
      } catch (IOException ignored) {
        // best effort; the write path reported any real failure
      }
    }
  }
}
