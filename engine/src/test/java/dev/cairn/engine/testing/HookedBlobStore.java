package dev.cairn.engine.testing;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.ObjectInfo;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Passes every call to another store, but runs an action once, just before the first list or read
 * whose name or prefix starts with a given prefix: to make another process act at an exact moment
 * of an operation (a backup committing while check is between two of its steps).
 */
public final class HookedBlobStore implements BlobStore {
  /** An action that may do I/O. */
  @FunctionalInterface
  public interface Action {
    void run() throws IOException;
  }

  private final BlobStore delegate;
  private final AtomicReference<Hook> hook = new AtomicReference<>();

  private record Hook(String prefix, Action action) {}

  public HookedBlobStore(BlobStore delegate) {
    this.delegate = delegate;
  }

  /** Runs {@code action} once before the next list or read of a name under {@code prefix}. */
  public void before(String prefix, Action action) {
    hook.set(new Hook(prefix, action));
  }

  private void fire(String name) throws IOException {
    Hook armed = hook.get();
    if (armed != null && name.startsWith(armed.prefix()) && hook.compareAndSet(armed, null)) {
      armed.action().run();
    }
  }

  @Override
  public void create(String name, byte[] content) throws IOException {
    delegate.create(name, content);
  }

  @Override
  public byte[] read(String name) throws IOException {
    fire(name);
    return delegate.read(name);
  }

  @Override
  public byte[] readRange(String name, long offset, int length) throws IOException {
    fire(name);
    return delegate.readRange(name, offset, length);
  }

  @Override
  public void list(String prefix, Consumer<ObjectInfo> consumer) throws IOException {
    fire(prefix);
    delegate.list(prefix, consumer);
  }

  @Override
  public Optional<ObjectInfo> stat(String name) throws IOException {
    return delegate.stat(name);
  }

  @Override
  public void delete(String name) throws IOException {
    delegate.delete(name);
  }

  @Override
  public String location() {
    return delegate.location();
  }
}
