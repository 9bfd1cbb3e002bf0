/** An in-memory {@link dev.cairn.storage.BlobStore}, the fake that unit tests use. */
package dev.cairn.storage.memory;
