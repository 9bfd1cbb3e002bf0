/** Backup of a VM's disks into a restore point: full, or incremental from changed extents. */
package dev.cairn.engine.backup;
