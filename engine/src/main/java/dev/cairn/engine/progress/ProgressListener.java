package dev.cairn.engine.progress;

/**
 * Receives progress of a long operation. Called from worker threads, often (every few MiB):
 * implementations must be thread-safe and cheap, and must not throw.
 */
public interface ProgressListener {
  ProgressListener NONE = (phase, done, total) -> {};

  /**
   * @param phase what is being done ("backup", "restore", "check", "prune")
   * @param done units (bytes) done so far in this phase
   * @param total units expected in this phase, or -1 if unknown
   */
  void update(String phase, long done, long total);
}
