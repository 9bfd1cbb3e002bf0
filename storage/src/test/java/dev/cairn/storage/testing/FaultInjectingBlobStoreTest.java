package dev.cairn.storage.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreContractTest;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class FaultInjectingBlobStoreTest {

  private final MemoryBlobStore delegate = new MemoryBlobStore();
  private final FaultInjectingBlobStore store = new FaultInjectingBlobStore(delegate);

  /** With no fault armed, the wrapper is a correct store. */
  @Nested
  class WithNoFaultArmed extends BlobStoreContractTest {
    @Override
    protected BlobStore newStore() {
      return new FaultInjectingBlobStore(new MemoryBlobStore());
    }
  }

  @Test
  void failCreatesLetsTheAllowedCreatesThroughThenFailsMatchingOnesWithoutWriting()
      throws IOException {
    store.failCreates("data/", 2, () -> new IOException("disk full"));

    store.create("data/1", new byte[] {1});
    store.create("data/2", new byte[] {2});
    assertThatThrownBy(() -> store.create("data/3", new byte[] {3}))
        .isInstanceOf(IOException.class)
        .hasMessage("disk full");
    assertThatThrownBy(() -> store.create("data/4", new byte[] {4})).hasMessage("disk full");

    assertThat(delegate.stat("data/3")).isEmpty();
    assertThat(delegate.stat("data/4")).isEmpty();
    assertThat(store.read("data/2")).containsExactly(2);
  }

  @Test
  void failCreatesLeavesOtherNamesAlone() throws IOException {
    store.failCreates("data/", 0, () -> new IOException("disk full"));

    store.create("index/1", new byte[] {1});

    assertThatThrownBy(() -> store.create("data/1", new byte[] {1})).hasMessage("disk full");
    assertThat(delegate.read("index/1")).containsExactly(1);
  }

  @Test
  void failCreatesDoesNotCountCreatesThatFailedForAnotherReason() throws IOException {
    delegate.create("data/existing", new byte[] {0});
    store.failCreates("data/", 1, () -> new IOException("disk full"));

    assertThatThrownBy(() -> store.create("data/existing", new byte[] {1}))
        .isInstanceOf(ObjectExistsException.class);
    store.create("data/1", new byte[] {1});
    assertThatThrownBy(() -> store.create("data/2", new byte[] {2})).hasMessage("disk full");
  }

  @Test
  void failCreatesThrowsAFreshFaultEachTime() {
    store.failCreates("", 0, () -> new IOException("transient"));

    Throwable first = catchThrowable(() -> store.create("a", new byte[0]));
    Throwable second = catchThrowable(() -> store.create("a", new byte[0]));

    assertThat(first).hasMessage("transient").isNotSameAs(second);
  }

  @Test
  void failCreatesHoldsItsCountUnderConcurrentCreates() throws Exception {
    store.failCreates("race/", 3, () -> new IOException("quota exceeded"));
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> outcomes = new ArrayList<>();
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 32; i++) {
        String name = "race/" + i;
        outcomes.add(
            executor.submit(
                () -> {
                  start.await();
                  store.create(name, new byte[100]);
                  return null;
                }));
      }
      start.countDown();
    }

    long succeeded = outcomes.stream().filter(f -> f.state() == Future.State.SUCCESS).count();
    assertThat(succeeded).isEqualTo(3);
    assertThat(outcomes)
        .filteredOn(f -> f.state() == Future.State.FAILED)
        .allSatisfy(f -> assertThat(f.exceptionNow()).hasMessage("quota exceeded"));
    List<ObjectInfo> listed = new ArrayList<>();
    delegate.list("race/", listed::add);
    assertThat(listed).hasSize(3);
    assertThat(store.createCount()).isEqualTo(3);
  }

  @Test
  void crashAfterCreatesFailsEveryOperationOnceTheCountIsReached() throws IOException {
    store.create("before", new byte[] {1});
    store.crashAfterCreates(2);
    store.create("data/1", new byte[] {1});
    assertThat(store.read("data/1")).containsExactly(1);
    store.create("data/2", new byte[] {2});

    assertCrashed(() -> store.create("data/3", new byte[] {3}));
    assertCrashed(() -> store.read("data/1"));
    assertCrashed(() -> store.readRange("data/1", 0, 1));
    assertCrashed(() -> store.list("", info -> {}));
    assertCrashed(() -> store.stat("data/1"));
    assertCrashed(() -> store.delete("data/1"));

    List<ObjectInfo> survived = new ArrayList<>();
    delegate.list("", survived::add);
    assertThat(survived)
        .extracting(ObjectInfo::name)
        .containsExactlyInAnyOrder("before", "data/1", "data/2");
  }

  @Test
  void crashAfterZeroCreatesCrashesAtOnce() {
    store.crashAfterCreates(0);

    assertCrashed(() -> store.stat("anything"));
    assertCrashed(() -> store.create("anything", new byte[0]));
  }

  @Test
  void aRestartAfterACrashSeesWhatWasCreatedBeforeIt() throws IOException {
    store.crashAfterCreates(1);
    store.create("data/1", new byte[] {1});
    assertCrashed(() -> store.create("data/2", new byte[] {2}));

    FaultInjectingBlobStore restarted = new FaultInjectingBlobStore(delegate);

    assertThat(restarted.read("data/1")).containsExactly(1);
    assertThat(restarted.stat("data/2")).isEmpty();
  }

  @Test
  void failReadsFailsReadAndReadRangeOfMatchingNamesOnly() throws IOException {
    delegate.create("pack/1", new byte[] {1, 2, 3});
    delegate.create("index/1", new byte[] {4});
    store.failReads("pack/", () -> new IOException("connection reset"));

    assertThatThrownBy(() -> store.read("pack/1")).hasMessage("connection reset");
    assertThatThrownBy(() -> store.readRange("pack/1", 0, 1)).hasMessage("connection reset");
    assertThat(store.read("index/1")).containsExactly(4);
    assertThat(store.stat("pack/1")).contains(new ObjectInfo("pack/1", 3));
  }

  @Test
  void corruptReadsAltersTheReturnedBytesButNotTheObject() throws IOException {
    delegate.create("pack/1", new byte[] {1, 2, 3, 4});
    delegate.create("index/1", new byte[] {5});
    store.corruptReads(
        "pack/",
        bytes -> {
          bytes[0] ^= (byte) 0xff;
          return bytes;
        });

    assertThat(store.read("pack/1")).containsExactly(~1, 2, 3, 4);
    assertThat(store.readRange("pack/1", 2, 2)).containsExactly(~3, 4);
    assertThat(store.read("index/1")).containsExactly(5);
    assertThat(delegate.read("pack/1")).containsExactly(1, 2, 3, 4);
  }

  @Test
  void corruptReadsMayReturnADifferentArray() throws IOException {
    delegate.create("pack/1", new byte[] {1, 2, 3, 4});
    store.corruptReads("pack/", bytes -> Arrays.copyOf(bytes, bytes.length - 1));

    assertThat(store.read("pack/1")).containsExactly(1, 2, 3);
  }

  @Test
  void clearFaultsDisarmsEveryFaultIncludingACrash() throws IOException {
    delegate.create("pack/1", new byte[] {1});
    store.failCreates("", 0, () -> new IOException("disk full"));
    store.failReads("pack/", () -> new IOException("connection reset"));
    store.corruptReads("pack/", bytes -> new byte[0]);
    store.crashAfterCreates(0);

    store.clearFaults();

    store.create("data/1", new byte[] {1});
    assertThat(store.read("pack/1")).containsExactly(1);
    assertThat(store.readRange("pack/1", 0, 1)).containsExactly(1);
    assertThatCode(() -> store.list("", info -> {})).doesNotThrowAnyException();
  }

  @Test
  void countersCountSuccessfulCreatesReadsAndCreatedBytes() throws IOException {
    store.create("a", new byte[10]);
    store.create("b", new byte[0]);
    store.create("c", new byte[5]);
    assertThatThrownBy(() -> store.create("a", new byte[7]))
        .isInstanceOf(ObjectExistsException.class);
    store.read("a");
    store.readRange("c", 1, 2);
    assertThatThrownBy(() -> store.read("missing")).isInstanceOf(NoSuchObjectException.class);
    store.stat("a");
    store.list("", info -> {});

    assertThat(store.createCount()).isEqualTo(3);
    assertThat(store.bytesCreated()).isEqualTo(15);
    assertThat(store.readCount()).isEqualTo(2);
  }

  @Test
  void faultsNeverHideAnInvalidName() {
    store.failCreates("", 0, () -> new IOException("disk full"));
    store.failReads("", () -> new IOException("connection reset"));

    assertThatThrownBy(() -> store.create("../x", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.read("../x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void locationAndCloseGoToTheDelegate() throws IOException {
    assertThat(store.location()).isEqualTo(delegate.location());
    store.crashAfterCreates(0);

    assertThatCode(store::close).doesNotThrowAnyException();
  }

  private static void assertCrashed(ThrowingCallable call) {
    assertThatThrownBy(call).isExactlyInstanceOf(IOException.class).hasMessage("simulated crash");
  }
}
