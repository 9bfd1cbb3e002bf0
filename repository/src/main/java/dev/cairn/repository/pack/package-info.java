/**
 * Packs: the objects that hold encrypted blobs (disk blocks and block-map pages), with a trailer
 * that lists them so that indexes can be rebuilt from packs alone.
 */
package dev.cairn.repository.pack;
