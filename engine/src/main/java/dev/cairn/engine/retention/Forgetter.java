package dev.cairn.engine.retention;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.time.ZoneId;
import java.util.List;

/**
 * Deletes the manifests of restore points a policy does not keep. Takes a shared lock: deleting a
 * manifest never breaks a running backup (its chunks stay until prune, which is exclusive).
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
      List<RetentionDecision> decisions = new RetentionPlanner(policy, zone).plan(points);
      if (!dryRun) {
        for (RetentionDecision decision : decisions) {
          if (!decision.keep()) {
            repository.points().delete(decision.point());
          }
        }
      }
      return decisions;
    }
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
      List<String> ids = new java.util.ArrayList<>();
      for (String name : names) {
        repository.points().delete(name);
        ids.add(name.substring(RestorePoint.PREFIX.length()));
      }
      return ids;
    }
  }
}
