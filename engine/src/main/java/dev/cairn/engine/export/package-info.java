/**
 * Instant recovery: a restore point's disk served as an NBD export, read on demand from the
 * repository with every chunk verified, with guest writes kept in a local overlay.
 */
package dev.cairn.engine.export;
