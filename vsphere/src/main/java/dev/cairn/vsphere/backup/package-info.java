/**
 * Backup of a vSphere VM: the snapshot that gives a point-in-time view, Changed Block Tracking
 * (what changed since the previous restore point's change ids, and when it cannot be trusted), the
 * transports that read the snapshot's disks, and the VM configuration stored with the point.
 */
package dev.cairn.vsphere.backup;
