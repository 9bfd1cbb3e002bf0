package dev.cairn.engine.testing;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.ObjectInfo;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A store whose process dies after a number of changes, creates and deletes alike: from then on
 * every call fails and touches nothing. {@link dev.cairn.storage.testing.FaultInjectingBlobStore}
 * counts only creates; prune's crash safety rests on the order of its deletes too.
 */
public final class DyingBlobStore implements BlobStore {
  private final BlobStore delegate;
  private final AtomicInteger changesLeft;
  private final AtomicInteger changes = new AtomicInteger();

  public DyingBlobStore(BlobStore delegate, int changesBeforeDeath) {
    this.delegate = delegate;
    this.changesLeft = new AtomicInteger(changesBeforeDeath);
  }

  /** Changes made (successful creates and deletes). */
  public int changes() {
    return changes.get();
  }

  public boolean dead() {
    return changesLeft.get() < 0;
  }

  private void change() throws IOException {
    if (changesLeft.getAndDecrement() <= 0) {
      changesLeft.set(-1);
      throw new IOException("simulated crash");
    }
    changes.incrementAndGet();
  }

  private void alive() throws IOException {
    if (dead()) {
      throw new IOException("simulated crash");
    }
  }

  @Override
  public synchronized void create(String name, byte[] content) throws IOException {
    alive();
    change();
    delegate.create(name, content);
  }

  @Override
  public synchronized void delete(String name) throws IOException {
    alive();
    change();
    delegate.delete(name);
  }

  @Override
  public byte[] read(String name) throws IOException {
    alive();
    return delegate.read(name);
  }

  @Override
  public byte[] readRange(String name, long offset, int length) throws IOException {
    alive();
    return delegate.readRange(name, offset, length);
  }

  @Override
  public void list(String prefix, Consumer<ObjectInfo> consumer) throws IOException {
    alive();
    delegate.list(prefix, consumer);
  }

  @Override
  public Optional<ObjectInfo> stat(String name) throws IOException {
    alive();
    return delegate.stat(name);
  }

  @Override
  public String location() {
    return delegate.location();
  }
}
