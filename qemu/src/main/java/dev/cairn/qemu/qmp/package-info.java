/**
 * The QEMU Machine Protocol over a Unix socket: {@link dev.cairn.qemu.qmp.QmpClient} sends commands
 * and matches answers by request id, keeps asynchronous events for callers, and turns QEMU's error
 * replies into {@link dev.cairn.qemu.qmp.QmpCommandException}s that carry QEMU's error class.
 */
package dev.cairn.qemu.qmp;
