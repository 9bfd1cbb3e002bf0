package dev.cairn.qemu.block;

import java.util.List;
import java.util.Optional;

/**
 * A disk of a running QEMU: the block node that holds its data and its bitmaps, and the guest
 * device it is attached to, if any.
 *
 * @param name the stable name Cairn records: the drive id ({@code -drive id=}) when there is one,
 *     else the guest device's id ({@code -device ...,id=}), else the node name
 * @param nodeName the node backed up: the format node under any filter (throttle, copy-on-read),
 *     which carries the dirty bitmaps; QEMU generates names starting with {@code #} for nodes it
 *     was not given a name for, and those change when QEMU restarts
 * @param device the block backend's name ({@code -drive id=}), if any
 * @param qdev the QOM path of the guest device, e.g. {@code
 *     /machine/peripheral/vd0/virtio-backend}, if any
 * @param format the node's driver: {@code qcow2}, {@code raw}, ...
 * @param size the virtual size in bytes
 * @param readOnly whether the image is opened read-only (CD-ROMs, read-only drives)
 * @param bitmaps the node's named dirty bitmaps
 */
public record QemuDisk(
    String name,
    String nodeName,
    Optional<String> device,
    Optional<String> qdev,
    String format,
    long size,
    boolean readOnly,
    List<DirtyBitmap> bitmaps) {
  private static final String PERIPHERAL = "/machine/peripheral/";

  public QemuDisk {
    bitmaps = List.copyOf(bitmaps);
  }

  /** Whether bitmaps on this disk survive a QEMU restart: only qcow2 stores them. */
  public boolean keepsBitmapsAcrossRestarts() {
    return "qcow2".equals(format);
  }

  /** The named bitmap on this disk's node. */
  public Optional<DirtyBitmap> bitmap(String bitmapName) {
    return bitmaps.stream().filter(b -> b.name().equals(bitmapName)).findFirst();
  }

  /**
   * The guest device's id from {@link #qdev} ({@code vd0} for {@code /machine/peripheral/vd0/...}).
   */
  public Optional<String> deviceId() {
    return qdev.filter(path -> path.startsWith(PERIPHERAL))
        .map(path -> path.substring(PERIPHERAL.length()))
        .map(rest -> rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest)
        .filter(id -> !id.isEmpty());
  }

  /** Whether {@code id} names this disk: its name, node name, drive id, device id or QOM path. */
  public boolean answersTo(String id) {
    return id.equals(name)
        || id.equals(nodeName)
        || device.filter(id::equals).isPresent()
        || qdev.filter(id::equals).isPresent()
        || deviceId().filter(id::equals).isPresent();
  }
}
