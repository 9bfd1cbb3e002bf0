/**
 * A local cache of the small, immutable objects a backup or restore reads at every start (index
 * objects and restore-point manifests), so that a repository in Azure or S3 is not read again for
 * them. It is only a cache: the store stays the truth, listings always come from the store, and
 * anything wrong in the cache is dropped and read again.
 */
package dev.cairn.repository.cache;
