/**
 * The KVM/QEMU connector: a QMP client and the checkpoint protocol that gives a backup a
 * point-in-time, NBD-exported view of each disk of a running {@code qemu-system-*} or {@code
 * qemu-storage-daemon}, with the dirty bitmap since the previous checkpoint.
 */
package dev.cairn.qemu;
