package dev.cairn.engine.copy;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.ObjectInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link BlobStore} that limits the bytes written to another store: each create first takes its
 * content's length from a {@link TokenBucket}, then passes the call on. Reads, lists, stats and
 * deletes pass straight through (they are small, or not what a bandwidth limit is for). Keeps the
 * whole contract of the wrapped store; thread-safe as it is.
 */
public final class ThrottledBlobStore implements BlobStore {
  private final BlobStore delegate;
  private final TokenBucket bucket;

  public ThrottledBlobStore(BlobStore delegate, TokenBucket bucket) {
    this.delegate = delegate;
    this.bucket = bucket;
  }

  /**
   * {@code delegate} throttled by {@code bucket}, keeping its capability to retain objects if it
   * has it (an immutable repository refuses a store that cannot retain).
   */
  public static BlobStore around(BlobStore delegate, TokenBucket bucket) {
    return delegate instanceof dev.cairn.storage.RetainingBlobStore retaining
        ? new ThrottledRetainingBlobStore(retaining, bucket)
        : new ThrottledBlobStore(delegate, bucket);
  }

  @Override
  public void create(String name, byte[] content) throws IOException {
    bucket.take(content.length);
    delegate.create(name, content);
  }

  @Override
  public void create(String name, ByteBuffer content) throws IOException {
    bucket.take(content.remaining());
    delegate.create(name, content);
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

  @Override
  public String toString() {
    return "ThrottledBlobStore[" + delegate + ", " + bucket.bytesPerSecond() + " B/s]";
  }
}
