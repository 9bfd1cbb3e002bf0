package dev.cairn.repository.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.repository.Repository;
import dev.cairn.repository.index.IndexFile;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.PointStatistics;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.repository.point.SourceDescription;
import dev.cairn.repository.point.VmIdentity;
import dev.cairn.repository.testing.TestRepositories;
import dev.cairn.storage.memory.MemoryBlobStore;
import dev.cairn.storage.testing.FaultInjectingBlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataCacheTest {
  @TempDir Path directory;

  private final FaultInjectingBlobStore store = new FaultInjectingBlobStore(new MemoryBlobStore());
  private RestorePoint first;
  private RestorePoint second;
  private String index;

  private static RestorePoint point(String id, Instant time) {
    return new RestorePoint(
        1,
        id,
        new VmIdentity("web-01", "vm-42"),
        time,
        "host",
        new SourceDescription("file", "/images/web-01.img"),
        List.of(),
        null,
        List.of(new DiskImage("disk0", "/images/web-01.img", 1 << 20, 65536, null, Map.of())),
        new PointStatistics(0, 0, 0, 0, 16, 16, 0, 0, 0, false, 1),
        List.of());
  }

  @BeforeEach
  void createRepository() throws Exception {
    Repository repository = TestRepositories.init(store);
    first = point("8cf31c98815f555c7d21096525cd83b9", Instant.parse("2026-11-24T20:00:00Z"));
    second = point("9cf31c98815f555c7d21096525cd83b9", Instant.parse("2026-11-25T20:00:00Z"));
    repository.points().commit(first);
    repository.points().commit(second);
    index = repository.writeIndexFile(new IndexFile(List.of()));
  }

  private Repository openCached(long maxBytes) throws Exception {
    Repository repository = TestRepositories.open(store);
    repository.useMetadataCache(MetadataCache.open(directory, maxBytes));
    return repository;
  }

  private long readsOfCachedObjects(Repository repository) throws Exception {
    long before = store.readCount();
    assertThat(repository.points().all()).containsExactly(first, second);
    assertThat(repository.readIndexFile(index)).isEqualTo(new IndexFile(List.of()));
    return store.readCount() - before;
  }

  @Test
  void aSecondOpenReadsManifestsAndIndexesFromTheCacheNotTheStore() throws Exception {
    Repository cold = openCached(1 << 20);
    assertThat(readsOfCachedObjects(cold)).isEqualTo(3);
    assertThat(cold.metadataCache().misses()).isEqualTo(3);

    Repository warm = openCached(1 << 20);
    assertThat(readsOfCachedObjects(warm)).isZero();
    assertThat(warm.metadataCache().hits()).isEqualTo(3);
  }

  @Test
  void objectsWrittenThroughACachedRepositoryAreCachedAtOnce() throws Exception {
    Repository writer = openCached(1 << 20);
    RestorePoint third =
        point("acf31c98815f555c7d21096525cd83b9", Instant.parse("2026-11-26T20:00:00Z"));
    writer.points().commit(third);

    Repository reader = openCached(1 << 20);
    long before = store.readCount();
    assertThat(reader.points().read(third.objectName())).isEqualTo(third);
    assertThat(store.readCount()).isEqualTo(before);
  }

  @Test
  void aTornOrAlteredCopyIsDroppedAndReadAgainFromTheStore() throws Exception {
    readsOfCachedObjects(openCached(1 << 20));
    Path copy = directory.resolve(first.objectName().replace('/', '_'));
    byte[] bytes = Files.readAllBytes(copy);
    bytes[10] ^= 1;
    Files.write(copy, bytes);
    Files.write(
        directory.resolve(index.replace('/', '_')),
        new byte[] {1, 2, 3}); // shorter than its digest

    assertThat(readsOfCachedObjects(openCached(1 << 20))).isEqualTo(2);
    assertThat(readsOfCachedObjects(openCached(1 << 20))).isZero();
  }

  @Test
  void aSoundFileHoldingAnotherObjectIsRejectedByTheEnvelopeAndReplaced() throws Exception {
    readsOfCachedObjects(openCached(1 << 20));
    // The file of the first manifest now holds the second, digest and all: it authenticates
    // under the second's name only.
    Files.copy(
        directory.resolve(second.objectName().replace('/', '_')),
        directory.resolve(first.objectName().replace('/', '_')),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    Repository repository = openCached(1 << 20);
    assertThat(readsOfCachedObjects(repository)).isEqualTo(1);
  }

  @Test
  void forgettingAPointRemovesItsCopy() throws Exception {
    Repository repository = openCached(1 << 20);
    readsOfCachedObjects(repository);

    repository.points().delete(first);

    assertThat(directory.resolve(first.objectName().replace('/', '_'))).doesNotExist();
  }

  @Test
  void theDirectoryStaysUnderItsCapByDroppingTheOldestCopies() throws Exception {
    MetadataCache cache = MetadataCache.open(directory, 10_000);
    for (int i = 0; i < 50; i++) {
      cache.put("points/" + i, new byte[1000]);
    }

    long total;
    try (Stream<Path> files = Files.list(directory)) {
      total = files.mapToLong(path -> path.toFile().length()).sum();
    }
    assertThat(total).isLessThanOrEqualTo(10_000);
    assertThat(directory.resolve("points_49")).exists();
  }

  @Test
  void withoutACacheEveryReadGoesToTheStore() throws Exception {
    Repository plain = TestRepositories.open(store);
    assertThat(plain.metadataCache().enabled()).isFalse();
    assertThat(readsOfCachedObjects(plain)).isEqualTo(3);
    assertThat(readsOfCachedObjects(plain)).isEqualTo(3);
  }
}
