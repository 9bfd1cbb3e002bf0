/** Restore of a disk to a file or device, and random access to a restore point's disk. */
package dev.cairn.engine.restore;
