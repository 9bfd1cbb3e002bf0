package dev.cairn.repository.lock;

import java.io.IOException;

/** A held lock. Closing it releases it (deletes the lock object) and stops its refresher. */
public interface RepositoryLock extends AutoCloseable {
  LockInfo info();

  @Override
  void close() throws IOException;
}
