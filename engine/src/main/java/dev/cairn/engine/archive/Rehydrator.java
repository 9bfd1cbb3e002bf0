package dev.cairn.engine.archive;

import dev.cairn.engine.restore.PointPages;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.index.BlobLocation;
import dev.cairn.repository.index.ChunkIndex;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.RehydratePriority;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Brings back online exactly the data packs a restore needs.
 *
 * <p>{@link #offlinePacks} walks the block maps of the disks to restore (tree packs are always
 * online), maps each data chunk to its pack through the index and asks the store which of those
 * packs are offline: nothing is read from a data pack. {@link #rehydrate} asks for the archived
 * ones (never again for those already rehydrating) and waits, polling with backoff, until all are
 * online or the wait times out. Nothing is recorded in the repository: interrupted and run again,
 * it finds the packs that are still offline and carries on.
 */
public final class Rehydrator {
  static final Duration FIRST_POLL = Duration.ofSeconds(2);
  static final Duration LONGEST_POLL = Duration.ofMinutes(5);

  /** Waits between polls; tests pass one that moves their clock instead. */
  @FunctionalInterface
  public interface Sleeper {
    Sleeper SYSTEM = duration -> Thread.sleep(duration);

    void sleep(Duration duration) throws InterruptedException;
  }

  private final Repository repository;
  private final Clock clock;
  private final Sleeper sleeper;

  public Rehydrator(Repository repository, Clock clock, Sleeper sleeper) {
    this.repository = repository;
    this.clock = clock;
    this.sleeper = sleeper;
  }

  /**
   * The offline data packs that restoring {@code disks} of {@code point} reads; empty when the
   * store has no archive tier. Chunks no index lists are left to the restore, which names them.
   */
  public OfflinePacks offlinePacks(RestorePoint point, List<Integer> disks) throws IOException {
    if (!(repository.store() instanceof ArchivingBlobStore store)) {
      return new OfflinePacks(point.id(), 0, List.of(), List.of(), 0);
    }
    ChunkIndex index;
    try {
      index = repository.index();
    } catch (DamagedObjectException e) {
      // As restore does: one damaged index object must not stop a restore whose chunks are
      // listed elsewhere.
      index = repository.loadIndexTolerant(damage -> {});
    }
    ChunkReader reader = repository.reader(index);
    DataChunkWalk walk = new DataChunkWalk(new PointPages(reader));
    ChunkIndex known = index;
    Set<PackId> needed = new HashSet<>();
    for (int disk : disks) {
      if (disk < 0 || disk >= point.disks().size()) {
        continue; // the restore itself names the wrong disk index
      }
      DiskImage image = point.disks().get(disk);
      walk.walk(
          image,
          id -> {
            BlobLocation location = known.lookup(id);
            if (location != null) {
              needed.add(location.pack());
            }
          });
    }
    List<PackId> ordered = new ArrayList<>(needed);
    ordered.sort(Comparator.comparing(PackId::hex));
    List<PackId> archived = new ArrayList<>();
    List<PackId> rehydrating = new ArrayList<>();
    long bytes = 0;
    for (PackId pack : ordered) {
      ArchiveState state;
      try {
        state = store.state(pack.objectName());
      } catch (NoSuchObjectException e) {
        continue; // the restore names the missing chunk
      }
      if (state == ArchiveState.ONLINE) {
        continue;
      }
      (state == ArchiveState.ARCHIVED ? archived : rehydrating).add(pack);
      bytes += store.stat(pack.objectName()).map(info -> info.size()).orElse(0L);
    }
    return new OfflinePacks(point.id(), needed.size(), archived, rehydrating, bytes);
  }

  /**
   * Asks the store to rehydrate the archived packs of {@code packs} at {@code priority} and waits
   * until every one of them is online.
   *
   * @param messages receives one line per step (asked, progress while waiting, done)
   * @throws CairnException {@link ErrorCode#DATA_ARCHIVED} if packs are still offline after {@code
   *     timeout}; running again resumes the wait
   */
  public void rehydrate(
      OfflinePacks packs, RehydratePriority priority, Duration timeout, Consumer<String> messages)
      throws IOException {
    if (packs.isEmpty()) {
      return;
    }
    ArchivingBlobStore store = Archiver.archivingStore(repository, "rehydrate data of");
    Instant started = clock.instant();
    Instant deadline = started.plus(timeout);
    for (PackId pack : packs.archived()) {
      store.rehydrate(pack.objectName(), priority);
    }
    messages.accept(
        String.format(
            "Asked for %d archived pack(s) at %s priority%s; waiting (typically %s).",
            packs.archived().size(),
            priority.name().toLowerCase(java.util.Locale.ROOT),
            packs.rehydrating().isEmpty()
                ? ""
                : ", " + packs.rehydrating().size() + " were already being rehydrated",
            OfflinePacks.typicalWait(priority)));
    Set<PackId> pending = new LinkedHashSet<>(packs.archived());
    pending.addAll(packs.rehydrating());
    int total = pending.size();
    Duration pause = FIRST_POLL;
    while (true) {
      for (var iterator = pending.iterator(); iterator.hasNext(); ) {
        PackId pack = iterator.next();
        ArchiveState state;
        try {
          state = store.state(pack.objectName());
        } catch (NoSuchObjectException e) {
          iterator.remove(); // deleted meanwhile (prune); the restore names what is missing
          continue;
        }
        if (state == ArchiveState.ONLINE) {
          iterator.remove();
        } else if (state == ArchiveState.ARCHIVED) {
          // Archived again by a concurrent archive run before the rehydration started: ask again.
          store.rehydrate(pack.objectName(), priority);
        }
      }
      Duration waited = Duration.between(started, clock.instant());
      if (pending.isEmpty()) {
        messages.accept(
            "All " + total + " pack(s) are online after " + describe(waited) + "; restoring.");
        return;
      }
      messages.accept(
          (total - pending.size())
              + " of "
              + total
              + " pack(s) online after "
              + describe(waited)
              + "; next look in "
              + describe(pause)
              + ".");
      if (clock.instant().plus(pause).isAfter(deadline)) {
        throw new CairnException(
            ErrorCode.DATA_ARCHIVED,
            "Cannot bring the data of restore point "
                + packs.pointId()
                + " online: "
                + pending.size()
                + " of "
                + total
                + " archived data pack(s) are still being rehydrated after "
                + describe(waited)
                + "; run the same command again to keep waiting (packs already asked for are not"
                + " asked again)");
      }
      try {
        sleeper.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(
            "Interrupted while waiting for rehydration; it goes on in the store, run again to"
                + " resume");
      }
      pause =
          pause.multipliedBy(2).compareTo(LONGEST_POLL) > 0 ? LONGEST_POLL : pause.multipliedBy(2);
    }
  }

  /**
   * The one-line failure of an operation that needs offline packs and was not asked to rehydrate
   * them.
   *
   * @param verb what could not be done, e.g. "restore", "export", "copy"
   * @param remedy what to do, e.g. "run again with --rehydrate standard|high"
   */
  public static CairnException archivedFailure(String verb, OfflinePacks packs, String remedy) {
    return new CairnException(
        ErrorCode.DATA_ARCHIVED,
        "Cannot "
            + verb
            + " restore point "
            + packs.pointId()
            + ": "
            + packs.count()
            + " of the data packs it needs are archived ("
            + OfflinePacks.mebibytes(packs.bytes())
            + (packs.rehydrating().isEmpty()
                ? ""
                : ", " + packs.rehydrating().size() + " being rehydrated")
            + "); "
            + remedy);
  }

  static String describe(Duration duration) {
    long seconds = duration.toSeconds();
    if (seconds < 60) {
      return seconds + " s";
    }
    return String.format(
        java.util.Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
  }
}
