/**
 * The vCenter privileges each Cairn operation needs ({@link dev.cairn.vsphere.access.Operation})
 * and the check made at connect time ({@link dev.cairn.vsphere.access.PrivilegeCheck}), so that a
 * role short of one fails at once naming every missing privilege, not half-way through a backup.
 * docs/design/vsphere.md documents the same table for administrators.
 */
package dev.cairn.vsphere.access;
