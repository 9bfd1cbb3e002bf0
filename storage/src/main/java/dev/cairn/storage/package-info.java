/**
 * The storage SPI: {@link dev.cairn.storage.BlobStore}, the contract every place that keeps a
 * repository (local disk, memory, Azure Blob, S3) fulfils, and nothing about what is stored; {@link
 * dev.cairn.storage.RetainingBlobStore}, the capability of stores that keep objects undeletable
 * until a date (immutable repositories).
 */
package dev.cairn.storage;
