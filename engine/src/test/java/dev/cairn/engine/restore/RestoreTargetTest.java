package dev.cairn.engine.restore;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The restore write path against a target that may hold old data (a device or an NBD export). */
class RestoreTargetTest {
  /** A target pre-filled with garbage, as a reused device or export would be. */
  static final class DirtyTarget implements RestoreTarget {
    final byte[] content;
    long zeroCalls;
    boolean flushed;
    boolean committed;
    boolean closed;
    IOException failWrites;

    DirtyTarget(long size) {
      content = new byte[(int) size];
      Arrays.fill(content, (byte) 0x5a);
    }

    @Override
    public String description() {
      return "dirty target";
    }

    @Override
    public boolean holesNeedZeroing() {
      return true;
    }

    @Override
    public synchronized void write(long position, ByteBuffer data) throws IOException {
      if (failWrites != null) {
        throw failWrites;
      }
      data.get(content, (int) position, data.remaining());
    }

    @Override
    public synchronized void zero(long position, long length) {
      zeroCalls++;
      Arrays.fill(content, (int) position, (int) (position + length), (byte) 0);
    }

    @Override
    public void flush() {
      flushed = true;
    }

    @Override
    public void commit() {
      committed = true;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void holesAreZeroedAndDataWrittenOnATargetWithOldData() throws Exception {
    SplittableRandom random = new SplittableRandom(5);
    // Two leaves of 1024 blocks and a partial third: the second leaf is all hole.
    long size = 2049L * BLOCK + 12345;
    FakeDisk disk = FakeDisk.zeros("disk.img", size);
    for (long block = 0; block < 1024; block += 1 + random.nextInt(5)) {
      disk.randomBlock(block, random.nextLong());
    }
    disk.randomBlock(2049, 9); // the partial last block
    TestRepository repo = TestRepository.create();
    RestorePoint point = repo.backup("vm", disk).point();

    DirtyTarget target = new DirtyTarget(size);
    var result =
        new RestoreEngine(repo.repository, 3, ProgressListener.NONE).restoreDisk(point, 0, target);

    assertThat(target.content).isEqualTo(disk.content());
    assertThat(target.flushed).isTrue();
    assertThat(target.committed).isTrue();
    assertThat(result.sizeBytes()).isEqualTo(size);
    // One call per run of holes within a batch of 64 blocks in the first leaf, one for the whole
    // empty second leaf (not one per batch), one for the hole block before the last.
    assertThat(target.zeroCalls).isEqualTo(holeRunsPerBatch(disk, 0, 1024) + 1 + 1);
  }

  private static long holeRunsPerBatch(FakeDisk disk, long firstBlock, long endBlock) {
    byte[] content = disk.content();
    long runs = 0;
    boolean inHole = false;
    for (long block = firstBlock; block < endBlock; block++) {
      int from = (int) (block * BLOCK);
      boolean hole = Arrays.equals(content, from, from + BLOCK, new byte[BLOCK], 0, BLOCK);
      boolean batchStart = block % 64 == 0;
      if (hole && (!inHole || batchStart)) {
        runs++;
      }
      inHole = hole;
    }
    return runs;
  }

  @Test
  void aFailedWriteIsNeitherFlushedNorCommitted() throws Exception {
    TestRepository repo = TestRepository.create();
    RestorePoint point = repo.backup("vm", FakeDisk.random("disk.img", 4L * BLOCK, 3)).point();
    DirtyTarget target = new DirtyTarget(4L * BLOCK);
    target.failWrites = new IOException("device went away");

    assertThatThrownBy(
            () ->
                new RestoreEngine(repo.repository, 2, ProgressListener.NONE)
                    .restoreDisk(point, 0, target))
        .hasMessageContaining("device went away");
    assertThat(target.committed).isFalse();
    assertThat(target.flushed).isFalse();
  }
}
