/**
 * A {@link dev.cairn.storage.BlobStore} in a local directory, durable by fsync, and {@link
 * dev.cairn.storage.local.DirectFileWriter}, which it and the engine's file restore target use to
 * write large files around the page cache (decision 0010).
 */
package dev.cairn.storage.local;
