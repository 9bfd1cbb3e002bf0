package dev.cairn.engine.export;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.nbd.Extent;
import dev.cairn.repository.point.RestorePoint;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** A restore point's disk as an NBD export backend: reads, holes and concurrent requests. */
class PointExportBackendTest {
  /** Data blocks 0-9 and 30-39, holes elsewhere, a partial last block with data. */
  private static FakeDisk disk() {
    FakeDisk disk = FakeDisk.zeros("disk.img", 64L * BLOCK + 1000);
    for (long block = 0; block < 10; block++) {
      disk.randomBlock(block, block);
    }
    for (long block = 30; block < 40; block++) {
      disk.randomBlock(block, block);
    }
    disk.randomBlock(64, 99);
    return disk;
  }

  @Test
  void readsAnyRangeAsTheDiskWasAndReportsItsHoles() throws Exception {
    FakeDisk disk = disk();
    TestRepository repo = TestRepository.create();
    RestorePoint point = repo.backup("vm", disk).point();
    PointExportBackend backend = new PointExportBackend(repo.reopen().repository, point, 0);

    assertThat(backend.size()).isEqualTo(disk.size());
    assertThat(backend.readOnly()).isTrue();
    assertThat(backend.description()).contains("vm").contains(point.shortId());
    SplittableRandom random = new SplittableRandom(4);
    for (int i = 0; i < 200; i++) {
      long offset = random.nextLong(disk.size());
      int length = (int) Math.min(disk.size() - offset, 1 + random.nextInt(3 * BLOCK));
      ByteBuffer target = ByteBuffer.allocate(length);
      backend.read(offset, target);
      assertThat(target.position()).isEqualTo(length);
      assertThat(
              Arrays.equals(
                  target.array(), 0, length, disk.content(), (int) offset, (int) offset + length))
          .as("bytes %d+%d", offset, length)
          .isTrue();
    }

    List<Extent> extents = backend.allocation(0, disk.size());
    assertThat(extents.getFirst().offset()).isZero();
    assertThat(extents.getLast().end()).isEqualTo(disk.size());
    for (int i = 1; i < extents.size(); i++) {
      assertThat(extents.get(i).offset()).isEqualTo(extents.get(i - 1).end());
    }
    assertThat(extents)
        .containsExactly(
            new Extent(0, 10L * BLOCK, 0),
            new Extent(10L * BLOCK, 20L * BLOCK, 3),
            new Extent(30L * BLOCK, 10L * BLOCK, 0),
            new Extent(40L * BLOCK, 24L * BLOCK, 3),
            new Extent(64L * BLOCK, 1000, 0));
    // A query that starts inside a block starts its first extent at the query's offset.
    assertThat(backend.allocation(5L * BLOCK + 7, BLOCK).getFirst().offset())
        .isEqualTo(5L * BLOCK + 7);
  }

  @Test
  void concurrentRequestsGetTheirOwnBytes() throws Exception {
    FakeDisk disk = disk();
    TestRepository repo = TestRepository.create();
    RestorePoint point = repo.backup("vm", disk).point();
    PointExportBackend backend = new PointExportBackend(repo.repository, point, 0);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Boolean>> results =
          java.util.stream.IntStream.range(0, 64)
              .mapToObj(
                  i ->
                      pool.submit(
                          () -> {
                            long offset = (long) i * BLOCK + i;
                            ByteBuffer target = ByteBuffer.allocateDirect(BLOCK / 2);
                            backend.read(offset, target);
                            byte[] bytes = new byte[BLOCK / 2];
                            target.flip().get(bytes);
                            return Arrays.equals(
                                bytes,
                                0,
                                bytes.length,
                                disk.content(),
                                (int) offset,
                                (int) offset + bytes.length);
                          }))
              .toList();
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    }
  }

  @Test
  void aDiskThatDoesNotExistIsNamed() throws Exception {
    TestRepository repo = TestRepository.create();
    RestorePoint point = repo.backup("vm", disk()).point();
    assertThatThrownBy(() -> new PointExportBackend(repo.repository, point, 3))
        .hasMessageContaining("disk 3")
        .hasMessageContaining(point.shortId());
  }
}
