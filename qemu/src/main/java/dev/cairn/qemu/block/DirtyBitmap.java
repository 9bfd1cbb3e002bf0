package dev.cairn.qemu.block;

/**
 * A dirty bitmap of a block node, as {@code query-named-block-nodes} reports it.
 *
 * @param name the bitmap's name (unique on its node)
 * @param recording whether writes are being recorded (false once disabled, or when inconsistent)
 * @param busy whether a job or an export uses it, so it cannot be changed or removed
 * @param persistent whether QEMU stores it in the image when it closes the image (qcow2 only)
 * @param inconsistent whether QEMU found it marked in use when opening the image: the process that
 *     had the image open did not close it properly, so the bitmap may miss writes and is useless
 * @param granularity bytes per bit
 * @param dirtyBytes how many bytes are marked dirty
 */
public record DirtyBitmap(
    String name,
    boolean recording,
    boolean busy,
    boolean persistent,
    boolean inconsistent,
    long granularity,
    long dirtyBytes) {}
