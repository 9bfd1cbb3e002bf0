/**
 * How the bytes of a vSphere disk move: the datastore HTTP interface ({@code /folder}, through
 * vCenter or straight to an ESXi host) with ranged reads and whole-file uploads, and NBD endpoints
 * the customer runs per disk (such as nbdkit's vddk plugin). Knows datastore paths and VMDK
 * descriptors, nothing of the vim25 API.
 */
package dev.cairn.vsphere.transport;
