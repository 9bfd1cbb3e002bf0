/**
 * Restore of a vSphere restore point: a new VM from the point's configuration with its disks
 * uploaded through an import lease as stream-optimised VMDKs, or one disk written onto an existing
 * powered-off VM.
 */
package dev.cairn.vsphere.restore;
