package dev.cairn.engine.copy;

import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.RetainingBlobStore;
import dev.cairn.storage.Retention;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link ThrottledBlobStore} around a store that retains objects, itself retaining: so that a
 * copy into an immutable repository can be throttled too. Retained creates take their length from
 * the bucket like plain ones; everything else passes through.
 */
public final class ThrottledRetainingBlobStore implements RetainingBlobStore {
  private final RetainingBlobStore delegate;
  private final ThrottledBlobStore throttled;
  private final TokenBucket bucket;

  public ThrottledRetainingBlobStore(RetainingBlobStore delegate, TokenBucket bucket) {
    this.delegate = delegate;
    this.throttled = new ThrottledBlobStore(delegate, bucket);
    this.bucket = bucket;
  }

  @Override
  public void createRetained(String name, byte[] content, Retention retention) throws IOException {
    bucket.take(content.length);
    delegate.createRetained(name, content, retention);
  }

  @Override
  public void createRetained(String name, ByteBuffer content, Retention retention)
      throws IOException {
    bucket.take(content.remaining());
    delegate.createRetained(name, content, retention);
  }

  @Override
  public void extendRetention(String name, Retention retention) throws IOException {
    delegate.extendRetention(name, retention);
  }

  @Override
  public Optional<Retention> retention(String name) throws IOException {
    return delegate.retention(name);
  }

  @Override
  public void create(String name, byte[] content) throws IOException {
    throttled.create(name, content);
  }

  @Override
  public void create(String name, ByteBuffer content) throws IOException {
    throttled.create(name, content);
  }

  @Override
  public byte[] read(String name) throws IOException {
    return delegate.read(name);
  }

  @Override
  public byte[] readRange(String name, long offset, int length) throws IOException {
    return delegate.readRange(name, offset, length);
  }

  @Override
  public void list(String prefix, Consumer<ObjectInfo> consumer) throws IOException {
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

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
