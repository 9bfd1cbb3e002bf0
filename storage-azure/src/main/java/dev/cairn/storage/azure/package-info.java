/**
 * Cairn's {@link dev.cairn.storage.BlobStore} on Azure Blob Storage: {@link
 * dev.cairn.storage.azure.AzureBlobStore}, opened by URL ({@code
 * azure://ACCOUNT/CONTAINER[/PREFIX]}) through {@link
 * dev.cairn.storage.azure.AzureBlobStoreProvider}.
 *
 * <p>Besides the SPI, the store offers two capabilities meant for the later repository features:
 * per-object access tiers ({@link dev.cairn.storage.azure.TieredBlobStore}) and write-once
 * retention ({@link dev.cairn.storage.azure.ImmutableBlobStore}). Both are written against no Azure
 * type, so that they can move to the storage SPI once a second store implements them.
 *
 * <p>This package depends only on {@code dev.cairn.storage} and the Azure SDK.
 */
package dev.cairn.storage.azure;
