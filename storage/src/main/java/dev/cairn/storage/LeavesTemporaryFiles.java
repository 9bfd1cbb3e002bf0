package dev.cairn.storage;

import java.io.IOException;

/**
 * Capability of stores whose writers stage objects somewhere before publishing them (the local
 * store's {@code .tmp/}), so that a writer killed mid-create leaves a partial file behind. Object
 * stores publish atomically server-side and do not implement this. Garbage collection calls it
 * while it holds the repository's exclusive lock.
 */
public interface LeavesTemporaryFiles {
  /**
   * Removes staged files older than {@code minimumAgeMillis}; younger ones may belong to a create
   * in progress.
   *
   * @return how many were removed
   */
  int removeStaleTemporaryFiles(long minimumAgeMillis) throws IOException;
}
