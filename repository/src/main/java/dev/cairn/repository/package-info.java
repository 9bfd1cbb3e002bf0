/**
 * Repository format v1 (docs/design/repository-format.md): {@link dev.cairn.repository.Repository}
 * opens or creates one on a {@link dev.cairn.storage.BlobStore} and gives the engine typed access
 * to its keys, packs, indexes, block maps, restore points and locks.
 */
package dev.cairn.repository;
