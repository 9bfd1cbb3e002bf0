/** Garbage collection: mark live chunks from restore points, delete and repack packs. */
package dev.cairn.engine.prune;
