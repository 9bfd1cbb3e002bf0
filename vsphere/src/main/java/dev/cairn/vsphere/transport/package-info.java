/**
 * How the bytes of a vSphere disk move: the datastore HTTP interface ({@code /folder}, through
 * vCenter or straight to an ESXi host) with ranged reads and whole-file uploads, and NBD servers
 * that Cairn starts per disk from the customer's command (such as nbdkit's vddk plugin) on the
 * backup's snapshot. Knows datastore paths and VMDK descriptors, nothing of the vim25 API.
 */
package dev.cairn.vsphere.transport;
