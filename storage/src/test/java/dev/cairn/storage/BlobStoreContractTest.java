package dev.cairn.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link BlobStore} contract, as tests: every implementation subclasses this and provides
 * {@link #newStore()}. Each test gets a fresh, empty store, closed after the test.
 *
 * <p>The tests only use the public SPI, so a failure here is a contract violation of the store
 * under test, not of the test's assumptions about its internals.
 */
public abstract class BlobStoreContractTest {

  private static final int CONCURRENT_WRITERS = 8;

  /** The store under test, fresh for each test. */
  protected BlobStore store;

  /** Returns a new, empty store. Called once before each test; the test closes it. */
  protected abstract BlobStore newStore() throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store != null) {
      store.close();
    }
  }

  // ---- create and read ------------------------------------------------------------------------

  @Test
  void createThenReadReturnsTheSameBytes() throws IOException {
    byte[] content = randomBytes(1000, 1);

    store.create("data/ab/abcdef", content);

    assertThat(store.read("data/ab/abcdef")).isEqualTo(content);
  }

  @Test
  void createThenReadReturnsEmptyContent() throws IOException {
    store.create("empty", new byte[0]);

    assertThat(store.read("empty")).isEmpty();
  }

  @Test
  void createThenReadReturnsAFiveMebibyteObject() throws IOException {
    byte[] content = randomBytes(5 * 1024 * 1024, 2);

    store.create("big/object", content);

    assertThat(store.read("big/object")).isEqualTo(content);
  }

  @Test
  void laterChangesToTheCallersArraysDoNotAlterTheObject() throws IOException {
    byte[] content = randomBytes(100, 3);
    byte[] original = content.clone();

    store.create("immutable", content);
    content[0]++;
    byte[] firstRead = store.read("immutable");
    firstRead[1]++;
    byte[] range = store.readRange("immutable", 0, 10);
    range[2]++;

    assertThat(store.read("immutable")).isEqualTo(original);
  }

  @Test
  void theLongestAndDeepestValidNamesCanBeCreatedReadListedAndDeleted() throws IOException {
    String longest = String.join("/", Collections.nCopies(8, "x".repeat(127)));
    String deepest = String.join("/", Collections.nCopies(16, "d"));
    String everyCharacter = "ABCXYZ-abcxyz_0189/a.b-c_d.-_";
    assertThat(longest).hasSize(1023);
    for (String name : List.of(longest, deepest, everyCharacter)) {
      byte[] content = name.getBytes(StandardCharsets.UTF_8);

      store.create(name, content);

      assertThat(store.read(name)).as(name).isEqualTo(content);
      assertThat(store.stat(name)).as(name).contains(new ObjectInfo(name, content.length));
      assertThat(listing(name)).as(name).containsExactly(Map.entry(name, (long) content.length));
      store.delete(name);
      assertThat(store.stat(name)).as(name).isEmpty();
    }
  }

  // ---- create-if-absent -----------------------------------------------------------------------

  @Test
  void createOfAnExistingNameThrowsObjectExistsExceptionAndKeepsTheOriginal() throws IOException {
    byte[] original = randomBytes(300, 4);
    store.create("index/0001", original);

    ObjectExistsException different =
        catchThrowableOfType(
            ObjectExistsException.class, () -> store.create("index/0001", randomBytes(20, 5)));
    ObjectExistsException same =
        catchThrowableOfType(
            ObjectExistsException.class, () -> store.create("index/0001", original));
    ObjectExistsException empty =
        catchThrowableOfType(
            ObjectExistsException.class, () -> store.create("index/0001", new byte[0]));

    for (ObjectExistsException e : List.of(different, same, empty)) {
      assertThat(e).isNotNull();
      assertThat(e.objectName()).isEqualTo("index/0001");
      assertThat(e).hasMessageContaining("index/0001").hasMessageContaining(store.location());
    }
    assertThat(store.read("index/0001")).isEqualTo(original);
    assertThat(listing("")).containsExactly(Map.entry("index/0001", 300L));
  }

  // ---- missing objects ------------------------------------------------------------------------

  @Test
  void readOfAMissingObjectThrowsNoSuchObjectExceptionNamingIt() {
    assertNoSuchObject(() -> store.read("data/ab/missing"), "data/ab/missing");
  }

  @Test
  void readRangeOfAMissingObjectThrowsNoSuchObjectExceptionNamingIt() {
    assertNoSuchObject(() -> store.readRange("data/ab/missing", 0, 1), "data/ab/missing");
    assertNoSuchObject(() -> store.readRange("data/ab/missing", 0, 0), "data/ab/missing");
  }

  @Test
  void aNameThatIsOnlyAPrefixOfOtherObjectsIsNotAnObject() throws IOException {
    store.create("data/ab/abcd", randomBytes(10, 6));

    for (String name : List.of("data", "data/ab")) {
      assertNoSuchObject(() -> store.read(name), name);
      assertNoSuchObject(() -> store.readRange(name, 0, 1), name);
      assertThat(store.stat(name)).as(name).isEmpty();
    }
  }

  @Test
  void aNameBelowAnExistingObjectIsNotAnObject() throws IOException {
    store.create("pack", randomBytes(10, 7));

    assertNoSuchObject(() -> store.read("pack/below"), "pack/below");
    assertNoSuchObject(() -> store.readRange("pack/below", 0, 1), "pack/below");
    assertThat(store.stat("pack/below")).isEmpty();
    store.delete("pack/below");
    assertThat(listing("pack/")).isEmpty();
    assertThat(store.read("pack")).hasSize(10);
  }

  // ---- readRange ------------------------------------------------------------------------------

  @Test
  void readRangeReturnsTheExactSlice() throws IOException {
    byte[] content = randomBytes(10_000, 8);
    store.create("slice", content);

    assertThat(store.readRange("slice", 1234, 5678)).isEqualTo(slice(content, 1234, 5678));
    assertThat(store.readRange("slice", 9999, 1)).isEqualTo(slice(content, 9999, 1));
    assertThat(store.readRange("slice", 5000, 0)).isEmpty();
  }

  @Test
  void readRangeAtOffsetZeroReturnsTheStartOfTheObject() throws IOException {
    byte[] content = randomBytes(10_000, 9);
    store.create("slice", content);

    assertThat(store.readRange("slice", 0, 1)).isEqualTo(slice(content, 0, 1));
    assertThat(store.readRange("slice", 0, 4096)).isEqualTo(slice(content, 0, 4096));
    assertThat(store.readRange("slice", 0, 10_000)).isEqualTo(content);
  }

  @Test
  void readRangeEndingAtTheEndReturnsTheTailOfTheObject() throws IOException {
    byte[] content = randomBytes(10_000, 10);
    store.create("slice", content);

    assertThat(store.readRange("slice", 6000, 4000)).isEqualTo(slice(content, 6000, 4000));
    assertThat(store.readRange("slice", 10_000, 0)).isEmpty();
  }

  @Test
  void readRangeOfALargeObjectReturnsTheExactSlice() throws IOException {
    byte[] content = randomBytes(5 * 1024 * 1024, 11);
    store.create("big/object", content);

    int offset = 3 * 1024 * 1024 + 17;
    assertThat(store.readRange("big/object", offset, 1024 * 1024))
        .isEqualTo(slice(content, offset, 1024 * 1024));
  }

  @Test
  void readRangePastTheEndThrowsEOFException() throws IOException {
    store.create("slice", randomBytes(100, 12));
    store.create("empty", new byte[0]);

    assertThatThrownBy(() -> store.readRange("slice", 0, 101)).isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> store.readRange("slice", 99, 2)).isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> store.readRange("slice", 100, 1)).isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> store.readRange("slice", 5000, 10)).isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> store.readRange("slice", Long.MAX_VALUE, 1))
        .isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> store.readRange("slice", 101, 0)).isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> store.readRange("empty", 0, 1)).isInstanceOf(EOFException.class);
    assertThat(store.read("slice")).hasSize(100);
  }

  @Test
  void readRangeRejectsANegativeOffsetOrLength() throws IOException {
    store.create("slice", randomBytes(100, 13));

    assertThatThrownBy(() -> store.readRange("slice", -1, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.readRange("slice", 0, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- list -----------------------------------------------------------------------------------

  @Test
  void listByPrefixFindsNestedNamesWithTheirSizes() throws IOException {
    createListingFixture();

    assertThat(listing("data/"))
        .containsOnly(
            Map.entry("data/ab/abcd", 4L),
            Map.entry("data/ab/abce", 0L),
            Map.entry("data/cd/cdef", 1000L));
    assertThat(listing("data/ab/"))
        .containsOnly(Map.entry("data/ab/abcd", 4L), Map.entry("data/ab/abce", 0L));
    assertThat(listing("index/")).containsOnly(Map.entry("index/0001", 7L));
  }

  @Test
  void listByAPartialSegmentPrefixFindsEveryNameStartingWithIt() throws IOException {
    createListingFixture();

    assertThat(listing("data/a").keySet())
        .containsExactlyInAnyOrder("data/ab/abcd", "data/ab/abce");
    assertThat(listing("data/ab/abc").keySet())
        .containsExactlyInAnyOrder("data/ab/abcd", "data/ab/abce");
    assertThat(listing("d").keySet())
        .containsExactlyInAnyOrder("data/ab/abcd", "data/ab/abce", "data/cd/cdef");
    assertThat(listing("dat").keySet()).hasSize(3);
    assertThat(listing("data").keySet()).hasSize(3);
    assertThat(listing("root").keySet()).containsExactlyInAnyOrder("root", "rootless");
  }

  @Test
  void listByAFullNameFindsThatObjectAndLongerNames() throws IOException {
    createListingFixture();

    assertThat(listing("data/ab/abcd").keySet()).containsExactly("data/ab/abcd");
    assertThat(listing("root").keySet()).containsExactlyInAnyOrder("root", "rootless");
  }

  @Test
  void listWithTheEmptyPrefixListsEveryObject() throws IOException {
    createListingFixture();

    assertThat(listing(""))
        .containsOnly(
            Map.entry("data/ab/abcd", 4L),
            Map.entry("data/ab/abce", 0L),
            Map.entry("data/cd/cdef", 1000L),
            Map.entry("index/0001", 7L),
            Map.entry("root", 1L),
            Map.entry("rootless", 2L));
  }

  @Test
  void listWithAPrefixMatchingNothingListsNothing() throws IOException {
    createListingFixture();

    assertThat(listing("nothing/")).isEmpty();
    assertThat(listing("nothing")).isEmpty();
    assertThat(listing("data/zz")).isEmpty();
    assertThat(listing("data/ab/abcz")).isEmpty();
    assertThat(listing("data/ab/abcd/")).isEmpty();
    assertThat(listing("rootless/")).isEmpty();
  }

  @Test
  void listOfAnEmptyStoreListsNothing() throws IOException {
    assertThat(listing("")).isEmpty();
    assertThat(listing("data/")).isEmpty();
  }

  @Test
  void listReportsEachOfManyObjectsExactlyOnce() throws IOException {
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String name = String.format("many/%02x/%04d", i % 16, i);
      store.create(name, new byte[i % 7]);
      created.add(name);
    }

    List<ObjectInfo> seen = Collections.synchronizedList(new ArrayList<>());
    store.list("many/", seen::add);

    assertThat(seen).extracting(ObjectInfo::name).containsExactlyInAnyOrderElementsOf(created);
    assertThat(seen).allSatisfy(info -> assertThat(info.size()).isEqualTo(sizeOf(info.name())));
  }

  // ---- stat -----------------------------------------------------------------------------------

  @Test
  void statOfAnExistingObjectReturnsItsNameAndSize() throws IOException {
    store.create("data/ab/abcd", randomBytes(1234, 14));
    store.create("empty", new byte[0]);

    assertThat(store.stat("data/ab/abcd")).contains(new ObjectInfo("data/ab/abcd", 1234));
    assertThat(store.stat("empty")).contains(new ObjectInfo("empty", 0));
  }

  @Test
  void statOfAMissingObjectIsEmpty() throws IOException {
    store.create("data/ab/abcd", randomBytes(10, 15));

    assertThat(store.stat("data/ab/abce")).isEmpty();
    assertThat(store.stat("missing")).isEmpty();
    assertThat(store.stat("elsewhere/missing")).isEmpty();
  }

  // ---- delete ---------------------------------------------------------------------------------

  @Test
  void deleteRemovesTheObject() throws IOException {
    store.create("data/ab/abcd", randomBytes(10, 16));
    store.create("data/ab/abce", randomBytes(11, 17));

    store.delete("data/ab/abcd");

    assertNoSuchObject(() -> store.read("data/ab/abcd"), "data/ab/abcd");
    assertNoSuchObject(() -> store.readRange("data/ab/abcd", 0, 1), "data/ab/abcd");
    assertThat(store.stat("data/ab/abcd")).isEmpty();
    assertThat(listing("")).containsOnly(Map.entry("data/ab/abce", 11L));
  }

  @Test
  void deleteIsIdempotent() throws IOException {
    store.create("data/ab/abcd", randomBytes(10, 18));

    store.delete("data/ab/abcd");
    store.delete("data/ab/abcd");
    store.delete("never/created");

    assertThat(store.stat("data/ab/abcd")).isEmpty();
    assertThat(listing("")).isEmpty();
  }

  @Test
  void deleteOfTheLastObjectUnderAPrefixLeavesNothingListed() throws IOException {
    store.create("data/ab/abcd", randomBytes(10, 19));

    store.delete("data/ab/abcd");

    assertThat(listing("data/")).isEmpty();
    assertThat(listing("data/ab/")).isEmpty();
    assertThat(listing("")).isEmpty();
  }

  @Test
  void aDeletedObjectCanBeCreatedAgainWithNewContent() throws IOException {
    store.create("data/ab/abcd", randomBytes(10, 20));
    store.delete("data/ab/abcd");
    byte[] replacement = randomBytes(20, 21);

    store.create("data/ab/abcd", replacement);

    assertThat(store.read("data/ab/abcd")).isEqualTo(replacement);
    assertThat(store.stat("data/ab/abcd")).contains(new ObjectInfo("data/ab/abcd", 20));
  }

  @Test
  void deleteOfANameThatIsOnlyAPrefixOfOtherObjectsSucceedsAndKeepsThem() throws IOException {
    store.create("data/ab/abcd", randomBytes(10, 22));

    store.delete("data/ab");
    store.delete("data");

    assertThat(store.read("data/ab/abcd")).hasSize(10);
  }

  // ---- names ----------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../x", "/abs", "a//b", ".hidden", "", "a/", "a/../b", "a/./b", "a b", "a\\b", "é"
      })
  void invalidNamesAreRejectedWithIllegalArgumentException(String name) throws IOException {
    assertThatThrownBy(() -> store.create(name, new byte[1]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.read(name)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.readRange(name, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.stat(name)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.delete(name)).isInstanceOf(IllegalArgumentException.class);

    assertThat(listing("")).isEmpty();
  }

  @Test
  void tooLongNamesAreRejectedWithIllegalArgumentException() throws IOException {
    String longSegment = "x".repeat(129);
    String tooDeep = String.join("/", Collections.nCopies(17, "d"));
    String tooLong = String.join("/", Collections.nCopies(9, "x".repeat(127)));

    for (String name : List.of(longSegment, tooDeep, tooLong)) {
      assertThatThrownBy(() -> store.create(name, new byte[1]))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> store.read(name)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(listing("")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"../", "/", "/abs", "a//", ".tmp/", "a/../b"})
  void invalidListingPrefixesAreRejectedWithIllegalArgumentException(String prefix) {
    assertThatThrownBy(() -> store.list(prefix, info -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- concurrency ----------------------------------------------------------------------------

  @Test
  void concurrentCreatesOfTheSameNameLetExactlyOneWin() throws Exception {
    for (int round = 0; round < 10; round++) {
      String name = "race/" + round;
      List<byte[]> contents = new ArrayList<>();
      for (int writer = 0; writer < CONCURRENT_WRITERS; writer++) {
        contents.add(randomBytes(64 * 1024 + writer, round * 100L + writer));
      }
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> outcomes = new ArrayList<>();
      try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int writer = 0; writer < CONCURRENT_WRITERS; writer++) {
          int id = writer;
          outcomes.add(
              executor.submit(
                  () -> {
                    start.await();
                    store.create(name, contents.get(id));
                    return id;
                  }));
        }
        start.countDown();
      }

      List<Integer> winners = new ArrayList<>();
      List<Throwable> failures = new ArrayList<>();
      for (Future<Integer> outcome : outcomes) {
        switch (outcome.state()) {
          case SUCCESS -> winners.add(outcome.resultNow());
          case FAILED -> failures.add(outcome.exceptionNow());
          default -> throw new AssertionError("writer did not finish: " + outcome.state());
        }
      }
      assertThat(winners).as("round %d winners", round).hasSize(1);
      assertThat(failures)
          .as("round %d losers", round)
          .hasSize(CONCURRENT_WRITERS - 1)
          .allSatisfy(failure -> assertThat(failure).isInstanceOf(ObjectExistsException.class));
      assertThat(store.read(name)).isEqualTo(contents.get(winners.getFirst()));
      assertThat(listing(name))
          .containsExactly(Map.entry(name, (long) (64 * 1024 + winners.getFirst())));
    }
  }

  @Test
  void concurrentCreatesOfDifferentNamesAllSucceed() throws Exception {
    int perWriter = 25;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> outcomes = new ArrayList<>();
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int writer = 0; writer < CONCURRENT_WRITERS; writer++) {
        int id = writer;
        outcomes.add(
            executor.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perWriter; i++) {
                    // Writers share parent prefixes, so stores that create directories race too.
                    store.create(nameFor(id, i), contentFor(id, i));
                  }
                  return null;
                }));
      }
      start.countDown();
      executor.shutdown();
      assertThat(executor.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
    }

    for (Future<?> outcome : outcomes) {
      assertThat(outcome.state()).isEqualTo(Future.State.SUCCESS);
    }
    Map<String, Long> listed = listing("");
    assertThat(listed).hasSize(CONCURRENT_WRITERS * perWriter);
    for (int writer = 0; writer < CONCURRENT_WRITERS; writer++) {
      for (int i = 0; i < perWriter; i++) {
        assertThat(store.read(nameFor(writer, i))).isEqualTo(contentFor(writer, i));
        assertThat(listed).containsEntry(nameFor(writer, i), (long) contentFor(writer, i).length);
      }
    }
  }

  @Test
  void concurrentReadsListsAndCreatesSeeOnlyWholeObjects() throws Exception {
    byte[] content = randomBytes(256 * 1024, 23);
    int objects = 40;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> outcomes = new ArrayList<>();
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      outcomes.add(
          executor.submit(
              () -> {
                start.await();
                for (int i = 0; i < objects; i++) {
                  store.create("whole/" + i, content);
                }
                return null;
              }));
      for (int reader = 0; reader < CONCURRENT_WRITERS - 1; reader++) {
        outcomes.add(
            executor.submit(
                () -> {
                  start.await();
                  for (int pass = 0; pass < 20; pass++) {
                    List<ObjectInfo> seen = Collections.synchronizedList(new ArrayList<>());
                    store.list("whole/", seen::add);
                    for (ObjectInfo info : seen) {
                      assertThat(info.size()).isEqualTo(content.length);
                      assertThat(store.read(info.name())).isEqualTo(content);
                    }
                    for (int i = 0; i < objects; i++) {
                      Optional<ObjectInfo> info = store.stat("whole/" + i);
                      info.ifPresent(found -> assertThat(found.size()).isEqualTo(content.length));
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
    }

    for (Future<?> outcome : outcomes) {
      if (outcome.state() == Future.State.FAILED) {
        throw new AssertionError("a concurrent operation failed", outcome.exceptionNow());
      }
      assertThat(outcome.state()).isEqualTo(Future.State.SUCCESS);
    }
    assertThat(listing("whole/")).hasSize(objects);
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Creates six objects: three under {@code data/}, one under {@code index/}, two at the top. */
  private void createListingFixture() throws IOException {
    store.create("data/ab/abcd", randomBytes(4, 30));
    store.create("data/ab/abce", new byte[0]);
    store.create("data/cd/cdef", randomBytes(1000, 31));
    store.create("index/0001", randomBytes(7, 32));
    store.create("root", randomBytes(1, 33));
    store.create("rootless", randomBytes(2, 34));
  }

  /** Lists {@code prefix}, failing the test if a name is reported twice. */
  protected final Map<String, Long> listing(String prefix) throws IOException {
    Map<String, Long> listed = new ConcurrentHashMap<>();
    List<String> duplicates = Collections.synchronizedList(new ArrayList<>());
    store.list(
        prefix,
        info -> {
          if (listed.put(info.name(), info.size()) != null) {
            duplicates.add(info.name());
          }
        });
    assertThat(duplicates).as("names listed more than once").isEmpty();
    return listed.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  private void assertNoSuchObject(ThrowingCallable call, String name) {
    assertThatThrownBy(call)
        .isInstanceOf(NoSuchObjectException.class)
        .hasMessageContaining(name)
        .hasMessageContaining(store.location())
        .satisfies(e -> assertThat(((NoSuchObjectException) e).objectName()).isEqualTo(name));
  }

  private long sizeOf(String name) throws IOException {
    return store.stat(name).orElseThrow().size();
  }

  private static String nameFor(int writer, int index) {
    return "shared/" + (index % 4) + "/w" + writer + "-" + index;
  }

  private static byte[] contentFor(int writer, int index) {
    return randomBytes(100 + writer * 31 + index, writer * 1000L + index);
  }

  /** Deterministic pseudo-random bytes, so a failure reproduces. */
  protected static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static byte[] slice(byte[] content, int offset, int length) {
    byte[] slice = new byte[length];
    System.arraycopy(content, offset, slice, 0, length);
    return slice;
  }

  @Test
  void createFromABufferStoresExactlyItsRemainingBytesAndLeavesItsPosition() throws Exception {
    byte[] backing = new byte[1000];
    new java.util.Random(7).nextBytes(backing);
    java.nio.ByteBuffer slice = java.nio.ByteBuffer.wrap(backing, 100, 500);
    store.create("buffers/slice", slice);
    assertThat(store.read("buffers/slice"))
        .isEqualTo(java.util.Arrays.copyOfRange(backing, 100, 600));
    assertThat(slice.position()).isEqualTo(100);
    assertThatThrownBy(() -> store.create("buffers/slice", java.nio.ByteBuffer.wrap(new byte[3])))
        .isInstanceOf(ObjectExistsException.class);
  }
}
