package dev.cairn.storage;

import java.io.IOException;

/**
 * Capability of stores that can move objects to an offline, cheaper archive tier and bring them
 * back (Azure Archive, S3 Glacier; the memory store for tests). The repository archives only data
 * packs of old restore points: everything needed to list, plan and check stays online.
 *
 * <p>Contract, on top of {@link BlobStore}'s:
 *
 * <ul>
 *   <li>An archived object keeps its name, size and content: {@link #list} and {@link #stat} see it
 *       as before, {@link #delete} deletes it, but {@link #read} and {@link #readRange} fail with
 *       {@link ArchivedObjectException} (never with stale or empty content) until it is online
 *       again.
 *   <li>{@link #archive} and {@link #rehydrate} are idempotent and return at once; rehydration
 *       completes in the background (hours on Azure, at once on Azurite and by default in memory),
 *       observed through {@link #state}.
 *   <li>The tier is a property of the object, kept by the store: nothing is written to record it,
 *       so an interrupted archive or rehydration is resumed by asking again.
 *   <li>Missing objects: every method fails with {@link NoSuchObjectException}.
 *   <li>Thread-safe, like every store.
 * </ul>
 */
public interface ArchivingBlobStore extends BlobStore {

  /**
   * Moves {@code name} to the archive tier. Does nothing if it is already {@link
   * ArchiveState#ARCHIVED} or {@link ArchiveState#REHYDRATING} (someone needs it back: a restore in
   * progress wins over archiving).
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  void archive(String name) throws IOException;

  /**
   * Whether {@code name} is online, archived or being rehydrated. One metadata request; never reads
   * the content. A store whose rehydration ends with a step of its own (S3: copying the restored
   * temporary copy back to an online class) takes that step here when it finds the first one done,
   * one request more, so that ONLINE always means online until archived again.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  ArchiveState state(String name) throws IOException;

  /**
   * Starts bringing an archived object back online at {@code priority}. Returns at once. Does
   * nothing for an object that is online or already rehydrating. A rehydrated object stays online
   * (it is not a temporary copy) until it is archived again.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  void rehydrate(String name, RehydratePriority priority) throws IOException;
}
