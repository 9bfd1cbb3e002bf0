/** A {@link dev.cairn.storage.BlobStore} in a local directory, durable by fsync. */
package dev.cairn.storage.local;
