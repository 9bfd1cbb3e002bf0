package dev.cairn.repository.lock;

import java.time.Instant;

/**
 * The content of a lock object {@code locks/<id>} (plain JSON; it holds no secret).
 *
 * @param id random hex id
 * @param kind shared or exclusive
 * @param operation what holds it ("backup", "prune"...)
 * @param host host name of the holder
 * @param pid process id of the holder
 * @param created when the operation took the lock
 * @param refreshed when the holder last proved it was alive
 */
public record LockInfo(
    String id,
    LockKind kind,
    String operation,
    String host,
    long pid,
    Instant created,
    Instant refreshed) {
  public String describe() {
    return kind.name().toLowerCase(java.util.Locale.ROOT)
        + " lock of '"
        + operation
        + "' by process "
        + pid
        + " on "
        + host
        + " since "
        + created;
  }
}
