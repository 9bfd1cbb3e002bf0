/**
 * Cairn's storage SPI on S3-compatible object storage (AWS S3, Ceph RGW and others): {@link
 * dev.cairn.storage.s3.S3BlobStore}, opened by URL through {@link
 * dev.cairn.storage.s3.S3BlobStoreProvider}, plus the Object Lock and storage-class capabilities
 * ({@link dev.cairn.storage.s3.ImmutableStore}, {@link dev.cairn.storage.s3.TieredStore}) on which
 * immutable repositories and the archive tier (S3 Glacier) are built, and the recovery of versions
 * another client hid on a versioned bucket ({@code S3VersionRecovery}).
 */
package dev.cairn.storage.s3;
