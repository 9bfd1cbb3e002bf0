package dev.cairn.engine.format;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.engine.check.CheckReport;
import dev.cairn.engine.check.Checker;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.restore.DiskReader;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.local.LocalBlobStore;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the repository that format version 1 wrote (src/test/resources/fixtures/format-v1): every
 * later version of Cairn must still open it, list its points, restore them to the same bytes and
 * find it sound. If this test fails after a change, the change broke the format.
 */
class FormatV1FixtureTest {
  private static final String FULL = "1272ec7f8160b90e53c8f1edf8a85705";
  private static final String INCREMENTAL = "19acbd2c31373e4b1a9f5532dd0ab77f";

  @TempDir Path directory;

  @Test
  void version1RepositoryStillOpensRestoresAndChecks() throws Exception {
    Path repository = copyFixture();
    try (Repository opened =
        Repository.open(
            LocalBlobStore.open(repository), "fixture-password".toCharArray(), Clock.systemUTC())) {
      assertThat(opened.config().version()).isEqualTo(1);
      assertThat(opened.config().blockSize()).isEqualTo(65536);
      List<RestorePoint> points = opened.points().all();
      assertThat(points).extracting(RestorePoint::id).containsExactly(FULL, INCREMENTAL);
      assertThat(points.get(0).vm().name()).isEqualTo("fixture-vm");
      assertThat(points.get(0).tags()).containsExactly("fixture");
      assertThat(points.get(1).parent()).isEqualTo(FULL);
      assertThat(points.get(1).statistics().incremental()).isTrue();

      assertThat(digestOf(opened, points.get(0)))
          .isEqualTo("7097e3f9120b54f38e660fc5103e3ee03f8492fb2fdfab38f43fd9b9e3a68972");
      assertThat(digestOf(opened, points.get(1)))
          .isEqualTo("47097c4dacd46e0ef532a92f3a11c3dd922fba2484cdf5a2ba43d64c1e05d12a");

      CheckReport report = new Checker(opened, ProgressListener.NONE).check(100);
      assertThat(report.problems()).isEmpty();
      assertThat(report.pointsChecked()).isEqualTo(2);
    }
  }

  private static String digestOf(Repository repository, RestorePoint point) throws Exception {
    DiskReader reader = new DiskReader(repository, point, 0);
    assertThat(reader.size()).isEqualTo(328_914);
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[50_000];
    long position = 0;
    int read;
    while ((read = reader.read(position, buffer, 0, buffer.length)) > 0) {
      sha256.update(buffer, 0, read);
      position += read;
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  /** Tests take locks (objects), so they work on a copy and never change the fixture. */
  private Path copyFixture() throws IOException, URISyntaxException {
    Path source =
        Path.of(getClass().getResource("/fixtures/format-v1/repo/config").toURI()).getParent();
    Path target = directory.resolve("repo");
    try (Stream<Path> paths = Files.walk(source)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Path copy = target.resolve(source.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(path, copy);
        }
      }
    }
    return target;
  }
}
