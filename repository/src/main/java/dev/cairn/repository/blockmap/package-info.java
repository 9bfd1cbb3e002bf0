/**
 * A disk's block map: a tree of 1024-slot pages over fixed 64 KiB blocks, holes elided, stored as
 * content-addressed TREE blobs so that a restore point shares every unchanged page with its parent.
 */
package dev.cairn.repository.blockmap;
