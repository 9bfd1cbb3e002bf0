package dev.cairn.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreContractTest;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract, plus what only a store in a directory has: paths, leftovers and reopening. */
class LocalBlobStoreTest extends BlobStoreContractTest {

  @TempDir Path directory;

  @Override
  protected BlobStore newStore() throws IOException {
    return LocalBlobStore.open(directory);
  }

  @Test
  void openingANonexistentDirectoryFailsWithAMessageNamingThePath() {
    Path missing = directory.resolve("no/such/directory");

    assertThatThrownBy(() -> LocalBlobStore.open(missing))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(missing.toString());
    assertThat(missing).doesNotExist();
  }

  @Test
  void openingARegularFileFailsWithAMessageNamingThePath() throws IOException {
    Path file = Files.writeString(directory.resolve("a-file"), "not a store");

    assertThatThrownBy(() -> LocalBlobStore.open(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void createDirectoryAndOpenCreatesMissingParents() throws IOException {
    Path nested = directory.resolve("new/nested/store");

    try (LocalBlobStore created = LocalBlobStore.createDirectoryAndOpen(nested)) {
      created.create("data/x", new byte[] {1, 2, 3});

      assertThat(created.location()).isEqualTo(nested.toAbsolutePath().toString());
      assertThat(nested.resolve("data/x")).hasBinaryContent(new byte[] {1, 2, 3});
    }
  }

  @Test
  void aCrashLeftoverInTheTemporaryDirectoryIsNotListedAndIsRemovedWhenStale() throws IOException {
    store.create("data/ab/abcd", randomBytes(10, 1));
    Path leftover = directory.resolve(".tmp/data_ab_abce.0123456789abcdef");
    Files.createDirectories(leftover.getParent());
    Files.write(leftover, randomBytes(5, 2));
    // A crash leaves the file behind with the time of the crash: back-date it.
    Files.setLastModifiedTime(leftover, FileTime.from(Instant.now().minus(Duration.ofHours(1))));

    assertThat(listing("")).containsOnly(Map.entry("data/ab/abcd", 10L));
    assertThat(store.stat("data/ab/abce")).isEmpty();

    assertThat(((LocalBlobStore) store).removeStaleTemporaryFiles(0)).isEqualTo(1);

    assertThat(leftover).doesNotExist();
    assertThat(store.read("data/ab/abcd")).isEqualTo(randomBytes(10, 1));
  }

  @Test
  void removeStaleTemporaryFilesKeepsFilesYoungerThanTheMinimumAge() throws IOException {
    Path inFlight = directory.resolve(".tmp/in-flight.0123456789abcdef");
    Files.createDirectories(inFlight.getParent());
    Files.write(inFlight, randomBytes(5, 3));

    assertThat(((LocalBlobStore) store).removeStaleTemporaryFiles(Duration.ofHours(1).toMillis()))
        .isZero();

    assertThat(inFlight).exists();
  }

  @Test
  void removeStaleTemporaryFilesOfAStoreThatNeverWroteRemovesNothing() throws IOException {
    assertThat(((LocalBlobStore) store).removeStaleTemporaryFiles(0)).isZero();
  }

  @Test
  void successfulCreatesLeaveNoTemporaryFiles() throws IOException {
    store.create("data/ab/abcd", randomBytes(10, 4));
    store.create("data/ab/abce", randomBytes(10, 5));
    assertThatThrownBy(() -> store.create("data/ab/abcd", randomBytes(3, 6)))
        .isInstanceOf(ObjectExistsException.class);

    try (Stream<Path> temporary = Files.list(directory.resolve(".tmp"))) {
      assertThat(temporary).isEmpty();
    }
  }

  @Test
  void objectsSurviveClosingAndReopeningTheStore() throws IOException {
    byte[] content = randomBytes(70_000, 7);
    store.create("data/ab/abcd", content);
    store.create("index/0001", new byte[0]);
    store.close();

    try (LocalBlobStore reopened = LocalBlobStore.open(directory)) {
      assertThat(reopened.read("data/ab/abcd")).isEqualTo(content);
      assertThat(reopened.stat("index/0001")).contains(new ObjectInfo("index/0001", 0));
      assertThatThrownBy(() -> reopened.create("data/ab/abcd", new byte[1]))
          .isInstanceOf(ObjectExistsException.class);
    }
  }

  @Test
  void objectsAreFilesAtTheirNameUnderTheRoot() throws IOException {
    store.create("data/ab/abcd", new byte[] {7, 8, 9});

    assertThat(directory.resolve("data/ab/abcd")).hasBinaryContent(new byte[] {7, 8, 9});
    assertThat(store.location()).isEqualTo(directory.toAbsolutePath().normalize().toString());
  }

  @Test
  void aNameThatIsADirectoryOfOtherObjectsCannotBeCreatedAndIsNotReportedAsExisting()
      throws IOException {
    // A file system cannot hold a file and a directory of the same name: a documented limitation
    // of this store. The error must not claim that an object exists where none does.
    store.create("data/ab/abcd", randomBytes(10, 8));

    assertThatThrownBy(() -> store.create("data/ab", new byte[1]))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(ObjectExistsException.class)
        .hasMessageContaining("data/ab")
        .hasMessageContaining(store.location());
    assertThat(store.stat("data/ab")).isEmpty();
    assertThat(store.read("data/ab/abcd")).hasSize(10);
  }
}
