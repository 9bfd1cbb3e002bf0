/**
 * Immutable repositories: the one place through which a repository writes its objects retained
 * ({@link dev.cairn.repository.immutable.RetainingWrites}), so that someone holding the
 * repository's credentials cannot delete restore points before their retention ends.
 */
package dev.cairn.repository.immutable;
