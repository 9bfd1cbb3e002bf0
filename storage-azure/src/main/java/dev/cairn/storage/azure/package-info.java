/**
 * Cairn's {@link dev.cairn.storage.BlobStore} on Azure Blob Storage: {@link
 * dev.cairn.storage.azure.AzureBlobStore}, opened by URL ({@code
 * azure://ACCOUNT/CONTAINER[/PREFIX]}) through {@link
 * dev.cairn.storage.azure.AzureBlobStoreProvider}.
 *
 * <p>Besides the SPI, the store retains objects ({@link dev.cairn.storage.RetainingBlobStore}, for
 * immutable repositories, extended with legal holds and Azure's policy terms by {@link
 * dev.cairn.storage.azure.ImmutableBlobStore}) and offers per-object access tiers ({@link
 * dev.cairn.storage.azure.TieredBlobStore}), written against no Azure type so that it can move to
 * the storage SPI once a second store implements it.
 *
 * <p>This package depends only on {@code dev.cairn.storage} and the Azure SDK.
 */
package dev.cairn.storage.azure;
