package dev.cairn.engine.retention;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.immutable.RetainingWrites;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.ObjectLockedException;
import dev.cairn.storage.Retention;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Deletes the manifests of restore points a policy does not keep. Takes a shared lock: deleting a
 * manifest never breaks a running backup (its chunks stay until prune, which is exclusive).
 *
 * <p>In an immutable repository a point whose manifest the store still retains is not forgotten: a
 * policy keeps it, saying until when it is retained (a later forget deletes it), and naming it
 * explicitly is refused with that date. So a point is only ever forgotten when it can be deleted.
 */
public final class Forgetter {
  private final Repository repository;

  public Forgetter(Repository repository) {
    this.repository = repository;
  }

  /**
   * Plans and, unless {@code dryRun}, applies {@code policy} to the points of {@code vmName} (all
   * VMs when null).
   *
   * @throws CairnException if the policy keeps nothing (almost always a mistake)
   */
  public List<RetentionDecision> forget(
      RetentionPolicy policy, String vmName, ZoneId zone, boolean dryRun) throws IOException {
    if (policy.keepsNothing()) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot forget: no --keep-* rule given, which would delete every restore point");
    }
    try (RepositoryLock lock = repository.lock(LockKind.SHARED, "forget")) {
      List<RestorePoint> points =
          repository.points().all().stream()
              .filter(point -> vmName == null || point.vm().name().equals(vmName))
              .toList();
      List<RetentionDecision> decisions =
          keepRetained(new RetentionPlanner(policy, zone).plan(points));
      if (dryRun) {
        return decisions;
      }
      List<RetentionDecision> applied = new ArrayList<>(decisions.size());
      for (RetentionDecision decision : decisions) {
        if (decision.keep()) {
          applied.add(decision);
          continue;
        }
        try {
          repository.points().delete(decision.point());
          applied.add(decision);
        } catch (ObjectLockedException e) {
          if (repository.retainingWrites().isEmpty()) {
            throw e;
          }
          // The store's clock is behind ours: it still retains what we found expired.
          applied.add(
              new RetentionDecision(decision.point(), true, List.of("retained by the store")));
        }
      }
      return applied;
    }
  }

  /** {@code decisions}, with every point to forget that is still retained kept instead. */
  private List<RetentionDecision> keepRetained(List<RetentionDecision> decisions)
      throws IOException {
    if (repository.retainingWrites().isEmpty()) {
      return decisions;
    }
    List<RetentionDecision> checked = new ArrayList<>(decisions.size());
    for (RetentionDecision decision : decisions) {
      Optional<Instant> until =
          decision.keep() ? Optional.empty() : retainedUntil(decision.point().objectName());
      checked.add(
          until.isEmpty()
              ? decision
              : new RetentionDecision(
                  decision.point(), true, List.of("retained until " + until.get())));
    }
    return checked;
  }

  /** When the store's retention of {@code objectName} ends, if it has not yet. */
  private Optional<Instant> retainedUntil(String objectName) throws IOException {
    Optional<RetainingWrites> store = repository.retainingWrites();
    if (store.isEmpty()) {
      return Optional.empty();
    }
    Instant now = repository.clock().instant();
    return store
        .get()
        .retention(objectName)
        .filter(retention -> retention.protectsAt(now))
        .map(Retention::retainUntil);
  }

  /**
   * Deletes the named restore points (ids or unique prefixes), damaged ones included: their
   * manifests are not read. Every name is resolved before anything is deleted, so a typo deletes
   * nothing. Returns the ids deleted.
   */
  public List<String> forgetPoints(List<String> idsOrPrefixes) throws IOException {
    try (RepositoryLock lock = repository.lock(LockKind.SHARED, "forget")) {
      List<String> names = new java.util.ArrayList<>();
      for (String idOrPrefix : idsOrPrefixes) {
        names.add(repository.points().resolve(idOrPrefix));
      }
      for (String name : names) {
        Optional<Instant> until = retainedUntil(name);
        if (until.isPresent()) {
          throw new CairnException(
              ErrorCode.INVALID_INPUT,
              "Cannot forget restore point "
                  + name.substring(RestorePoint.PREFIX.length())
                  + ": the repository is immutable and retains it until "
                  + until.get()
                  + "; forget it after that");
        }
      }
      List<String> ids = new java.util.ArrayList<>();
      for (String name : names) {
        repository.points().delete(name);
        ids.add(name.substring(RestorePoint.PREFIX.length()));
      }
      return ids;
    }
  }
}
