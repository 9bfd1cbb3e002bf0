package dev.cairn.storage.testing;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.ObjectNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A {@link BlobStore} that passes every call to another store, except where a test has armed a
 * fault: for unit tests of the layers above storage (what does a backup do when a write fails
 * halfway through, when the process dies, when a pack comes back corrupted?).
 *
 * <p>With no fault armed it behaves exactly as its delegate and fulfils the whole {@link BlobStore}
 * contract. Name validation runs before any fault, so an invalid name is still an {@link
 * IllegalArgumentException}. Faults stay armed until {@link #clearFaults()}; several may be armed
 * at once and all of them apply.
 *
 * <p>Thread-safe: faults may be armed and cleared while other threads use the store. Counted faults
 * hold under concurrency: of many concurrent creates, at most the allowed number succeed.
 */
public final class FaultInjectingBlobStore implements BlobStore {
  private static final String CRASH_MESSAGE = "simulated crash";

  private final BlobStore delegate;
  private final List<CreateFault> createFaults = new CopyOnWriteArrayList<>();
  private final List<ReadFault> readFaults = new CopyOnWriteArrayList<>();
  private final List<ReadCorruption> readCorruptions = new CopyOnWriteArrayList<>();
  private volatile Crash crash;

  private final AtomicLong createCount = new AtomicLong();
  private final AtomicLong readCount = new AtomicLong();
  private final AtomicLong bytesCreated = new AtomicLong();

  /** Wraps {@code delegate}, with no fault armed. Closing this store closes the delegate. */
  public FaultInjectingBlobStore(BlobStore delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /**
   * Lets {@code afterSuccessfulCount} more creates of names starting with {@code namePrefix}
   * succeed, then makes every later such create throw {@code fault.get()} without writing anything.
   * Creates that fail for another reason (the object exists, the delegate fails) do not use up the
   * allowance. An empty prefix matches every name.
   */
  public void failCreates(
      String namePrefix, int afterSuccessfulCount, Supplier<? extends IOException> fault) {
    createFaults.add(
        new CreateFault(
            Objects.requireNonNull(namePrefix, "namePrefix"),
            new Allowance(afterSuccessfulCount),
            Objects.requireNonNull(fault, "fault")));
  }

  /**
   * Simulates this process dying after {@code count} more successful creates of any name: from then
   * on every create, read, readRange, list, stat and delete throws {@code IOException("simulated
   * crash")} and touches nothing. What was created before the crash stays in the delegate, as it
   * would on disk; to model a restart, wrap the delegate in a new store (or call {@link
   * #clearFaults()}). {@code crashAfterCreates(0)} crashes at once.
   */
  public void crashAfterCreates(int count) {
    crash = new Crash(new Allowance(count));
  }

  /**
   * Makes every read and readRange of a name starting with {@code namePrefix} throw {@code
   * fault.get()}. An empty prefix matches every name.
   */
  public void failReads(String namePrefix, Supplier<? extends IOException> fault) {
    readFaults.add(
        new ReadFault(
            Objects.requireNonNull(namePrefix, "namePrefix"),
            Objects.requireNonNull(fault, "fault")));
  }

  /**
   * Passes the bytes that read and readRange return for names starting with {@code namePrefix}
   * through {@code corruption} (which may change the array in place or return another one), like a
   * store or network that silently damages data. The object in the delegate is unchanged.
   */
  public void corruptReads(String namePrefix, UnaryOperator<byte[]> corruption) {
    readCorruptions.add(
        new ReadCorruption(
            Objects.requireNonNull(namePrefix, "namePrefix"),
            Objects.requireNonNull(corruption, "corruption")));
  }

  /** Disarms every fault, a simulated crash included. Counters keep their values. */
  public void clearFaults() {
    createFaults.clear();
    readFaults.clear();
    readCorruptions.clear();
    crash = null;
  }

  /** How many creates returned normally since this store was made. */
  public long createCount() {
    return createCount.get();
  }

  /** How many read and readRange calls returned bytes (corrupted or not) since this was made. */
  public long readCount() {
    return readCount.get();
  }

  /** The total length of the contents of the creates that {@link #createCount()} counts. */
  public long bytesCreated() {
    return bytesCreated.get();
  }

  @Override
  public void create(String name, byte[] content) throws IOException {
    ObjectNames.requireValid(name);
    Crash armedCrash = crash;
    throwIfCrashed(armedCrash);
    List<Allowance> taken = new ArrayList<>();
    boolean created = false;
    try {
      if (armedCrash != null) {
        take(armedCrash.allowance(), taken, FaultInjectingBlobStore::crashed);
      }
      for (CreateFault fault : createFaults) {
        if (name.startsWith(fault.namePrefix())) {
          take(fault.allowance(), taken, fault.fault());
        }
      }
      delegate.create(name, content);
      created = true;
    } finally {
      for (Allowance allowance : taken) {
        if (created) {
          allowance.succeeded();
        } else {
          allowance.giveBack();
        }
      }
    }
    createCount.incrementAndGet();
    bytesCreated.addAndGet(content.length);
  }

  @Override
  public byte[] read(String name) throws IOException {
    ObjectNames.requireValid(name);
    beforeRead(name);
    byte[] content = delegate.read(name);
    readCount.incrementAndGet();
    return corrupt(name, content);
  }

  @Override
  public byte[] readRange(String name, long offset, int length) throws IOException {
    ObjectNames.requireValid(name);
    beforeRead(name);
    byte[] content = delegate.readRange(name, offset, length);
    readCount.incrementAndGet();
    return corrupt(name, content);
  }

  @Override
  public void list(String prefix, Consumer<ObjectInfo> consumer) throws IOException {
    ObjectNames.requireValidPrefix(prefix);
    throwIfCrashed(crash);
    delegate.list(prefix, consumer);
  }

  @Override
  public Optional<ObjectInfo> stat(String name) throws IOException {
    ObjectNames.requireValid(name);
    throwIfCrashed(crash);
    return delegate.stat(name);
  }

  @Override
  public void delete(String name) throws IOException {
    ObjectNames.requireValid(name);
    throwIfCrashed(crash);
    delegate.delete(name);
  }

  /** The delegate's location, so that messages name the real store. */
  @Override
  public String location() {
    return delegate.location();
  }

  /** Closes the delegate; never fails by a fault, so tests can always clean up. */
  @Override
  public void close() throws IOException {
    delegate.close();
  }

  @Override
  public String toString() {
    return "FaultInjectingBlobStore[" + delegate + "]";
  }

  private void beforeRead(String name) throws IOException {
    throwIfCrashed(crash);
    for (ReadFault fault : readFaults) {
      if (name.startsWith(fault.namePrefix())) {
        throw Objects.requireNonNull(fault.fault().get(), "fault supplier returned null");
      }
    }
  }

  private byte[] corrupt(String name, byte[] content) {
    byte[] result = content;
    for (ReadCorruption corruption : readCorruptions) {
      if (name.startsWith(corruption.namePrefix())) {
        result =
            Objects.requireNonNull(
                corruption.corruption().apply(result), "corruption returned null");
      }
    }
    return result;
  }

  private static void take(
      Allowance allowance, List<Allowance> taken, Supplier<? extends IOException> fault)
      throws IOException {
    if (!allowance.tryTake()) {
      throw Objects.requireNonNull(fault.get(), "fault supplier returned null");
    }
    taken.add(allowance);
  }

  private static void throwIfCrashed(Crash armedCrash) throws IOException {
    if (armedCrash != null && armedCrash.allowance().usedUp()) {
      throw crashed();
    }
  }

  private static IOException crashed() {
    return new IOException(CRASH_MESSAGE);
  }

  /**
   * A number of operations still allowed to succeed. An operation reserves a slot before it runs
   * and then either confirms it or gives it back, so concurrent callers never overshoot.
   */
  private static final class Allowance {
    private final int limit;
    private final AtomicInteger reserved = new AtomicInteger();
    private final AtomicInteger succeeded = new AtomicInteger();

    Allowance(int limit) {
      if (limit < 0) {
        throw new IllegalArgumentException("Negative count " + limit);
      }
      this.limit = limit;
    }

    boolean tryTake() {
      while (true) {
        int current = reserved.get();
        if (current >= limit) {
          return false;
        }
        if (reserved.compareAndSet(current, current + 1)) {
          return true;
        }
      }
    }

    void succeeded() {
      succeeded.incrementAndGet();
    }

    void giveBack() {
      reserved.decrementAndGet();
    }

    /** True once {@code limit} operations have succeeded. */
    boolean usedUp() {
      return succeeded.get() >= limit;
    }
  }

  private record CreateFault(
      String namePrefix, Allowance allowance, Supplier<? extends IOException> fault) {}

  private record ReadFault(String namePrefix, Supplier<? extends IOException> fault) {}

  private record ReadCorruption(String namePrefix, UnaryOperator<byte[]> corruption) {}

  private record Crash(Allowance allowance) {}
}
