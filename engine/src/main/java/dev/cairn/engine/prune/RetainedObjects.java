package dev.cairn.engine.prune;

import dev.cairn.storage.RetainingBlobStore;
import dev.cairn.storage.Retention;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Asks an immutable repository's store about many objects at once: which are still retained, and
 * extending their retention. One request (or two) per object, a bounded number in flight, and the
 * names handled in batches so that memory does not grow with the repository beyond the list the
 * caller already holds.
 */
final class RetainedObjects {
  private static final int IN_FLIGHT = 16;
  private static final int BATCH = 1024;

  private final RetainingBlobStore store;

  RetainedObjects(RetainingBlobStore store) {
    this.store = store;
  }

  /** The objects among {@code names} that are retained at {@code now}, with their dates. */
  Map<String, Instant> retainedAt(Instant now, List<String> names) throws IOException {
    Map<String, Instant> retained = new HashMap<>();
    forEach(
        names,
        name -> {
          var retention = store.retention(name);
          return retention.filter(r -> r.protectsAt(now)).map(Retention::retainUntil).orElse(null);
        },
        (name, until) -> {
          if (until != null) {
            retained.put(name, until);
          }
        });
    return retained;
  }

  /** Extends every object in {@code names} to at least {@code retention}; returns how many. */
  long extend(List<String> names, Retention retention) throws IOException {
    long[] count = {0};
    forEach(
        names,
        name -> {
          store.extendRetention(name, retention);
          return Boolean.TRUE;
        },
        (name, done) -> count[0]++);
    return count[0];
  }

  private interface Call<T> {
    T apply(String name) throws IOException;
  }

  private interface Result<T> {
    void accept(String name, T value);
  }

  private static <T> void forEach(List<String> names, Call<T> call, Result<T> result)
      throws IOException {
    for (int start = 0; start < names.size(); start += BATCH) {
      List<String> batch = names.subList(start, Math.min(names.size(), start + BATCH));
      try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
        java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(IN_FLIGHT);
        List<Future<T>> futures = new ArrayList<>(batch.size());
        for (String name : batch) {
          futures.add(
              executor.submit(
                  () -> {
                    permits.acquire();
                    try {
                      return call.apply(name);
                    } finally {
                      permits.release();
                    }
                  }));
        }
        for (int i = 0; i < batch.size(); i++) {
          result.accept(batch.get(i), futures.get(i).get());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("Interrupted while asking about retentions");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        throw new IOException(e.getCause());
      }
    }
  }
}
