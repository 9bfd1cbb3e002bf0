package dev.cairn.repository.lock;

/**
 * Shared locks may overlap each other; an exclusive lock overlaps nothing. See the lock table in
 * docs/design/repository-format.md: backup, restore, check and forget take shared locks (they only
 * add objects or delete manifests); prune takes an exclusive one (it deletes packs and indexes).
 */
public enum LockKind {
  SHARED,
  EXCLUSIVE;

  public boolean conflictsWith(LockKind other) {
    return this == EXCLUSIVE || other == EXCLUSIVE;
  }
}
