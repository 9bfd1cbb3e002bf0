/**
 * The archive tier: moving data packs that only old restore points use to a store's offline tier
 * ({@link dev.cairn.engine.archive.Archiver}), and finding and rehydrating exactly the packs a
 * restore needs ({@link dev.cairn.engine.archive.Rehydrator}). Only data packs ever move; tree
 * packs, indexes, manifests, keys and the config stay online, so listing, checking and planning
 * never wait for a rehydration.
 */
package dev.cairn.engine.archive;
