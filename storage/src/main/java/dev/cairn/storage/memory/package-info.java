/**
 * An in-memory {@link dev.cairn.storage.BlobStore}, the fake that unit tests use; it retains
 * objects by an injected clock ({@link dev.cairn.storage.RetainingBlobStore}).
 */
package dev.cairn.storage.memory;
