/**
 * The storage SPI: {@link dev.cairn.storage.BlobStore}, the contract every place that keeps a
 * repository (local disk, memory, Azure Blob, S3) fulfils, and nothing about what is stored; {@link
 * dev.cairn.storage.RetainingBlobStore}, the capability of stores that keep objects undeletable
 * until a date (immutable repositories); {@link dev.cairn.storage.VersionedBlobStore}, that of
 * stores keeping every version of an object, so that what another client hid can be recovered.
 */
package dev.cairn.storage;
