package dev.cairn.vsphere.transport;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;

/**
 * Writes a disk as a stream-optimised VMDK (VMware Virtual Disk Format 5.0, {@code
 * createType="streamOptimized"}), the format vSphere's import leases take: only grains that hold
 * data are sent, each deflate-compressed, so a thin disk stays thin on the datastore and zeros
 * never cross the network. The stream is written front to back with no seeking: header (grain
 * directory "at end"), descriptor, then for each 32 MiB span its grains (ascending) and grain
 * table, then the grain directory, a footer and the end-of-stream marker.
 *
 * <p>Usage: {@link #writeGrain} for every non-zero grain in ascending order (grains not written
 * read as zeros), then {@link #finish}. Not thread-safe; compress grains in parallel with {@link
 * #compress} and hand them over in order. Memory: one grain table (2 KiB) plus the grain directory
 * (4 bytes per 32 MiB of capacity).
 */
public final class StreamOptimizedVmdkWriter {
  /** Bytes per grain: the repository's block size, so one restore-point block is one grain. */
  public static final int GRAIN_BYTES = 64 * 1024;

  private static final int SECTOR = 512;
  private static final long GRAIN_SECTORS = GRAIN_BYTES / SECTOR;
  private static final int GTES_PER_GT = 512;
  private static final int MAGIC = 0x564d444b; // "KDMV"
  private static final int FLAGS = 0x1 | 0x10000 | 0x20000; // newline test, compressed, markers
  private static final long GD_AT_END = 0xffffffffffffffffL;
  private static final int MARKER_EOS = 0;
  private static final int MARKER_GT = 1;
  private static final int MARKER_GD = 2;
  private static final int MARKER_FOOTER = 3;
  private static final int DESCRIPTOR_SECTORS = 2;
  // Header and descriptor, rounded up to a grain as VMware's own writers do.
  private static final long OVERHEAD_SECTORS = GRAIN_SECTORS;

  private final OutputStream out;
  private final long capacityBytes;
  private final long grainCount;
  private final int[] grainDirectory;
  private final int[] grainTable = new int[GTES_PER_GT];
  private long sector; // sectors written so far
  private long currentTable = -1;
  private long lastGrain = -1;
  private boolean finished;

  /**
   * Starts the stream: writes the header and the descriptor.
   *
   * @param out where the VMDK goes (an upload body); not closed by the writer
   * @param capacityBytes the disk's capacity; rounded up to 512 bytes
   * @param fileName the file name written into the descriptor's extent line
   * @param adapterType the descriptor's {@code ddb.adapterType} ("lsilogic", "ide", "buslogic"...)
   */
  public StreamOptimizedVmdkWriter(
      OutputStream out, long capacityBytes, String fileName, String adapterType)
      throws IOException {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("A disk needs a positive capacity");
    }
    this.out = out;
    this.capacityBytes = capacityBytes;
    this.grainCount = (capacityBytes + GRAIN_BYTES - 1) / GRAIN_BYTES;
    long tables = (grainCount + GTES_PER_GT - 1) / GTES_PER_GT;
    this.grainDirectory = new int[Math.toIntExact(tables)];
    writeHeader(GD_AT_END);
    byte[] descriptor = descriptor(fileName, adapterType);
    if (descriptor.length > DESCRIPTOR_SECTORS * SECTOR) {
      throw new IllegalArgumentException("Disk file name too long for the descriptor: " + fileName);
    }
    out.write(descriptor);
    out.write(new byte[DESCRIPTOR_SECTORS * SECTOR - descriptor.length]);
    sector += DESCRIPTOR_SECTORS;
    pad(OVERHEAD_SECTORS);
  }

  /**
   * Compresses one grain's bytes for the stream: always a full grain; the disk's last grain, when
   * the capacity is not a multiple of {@link #GRAIN_BYTES}, padded with zeros.
   */
  public static byte[] compress(byte[] data, int offset, int length) {
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    try {
      deflater.setInput(data, offset, length);
      deflater.finish();
      byte[] buffer = new byte[length + length / 100 + 64];
      int size = 0;
      while (!deflater.finished()) {
        if (size == buffer.length) {
          buffer = java.util.Arrays.copyOf(buffer, buffer.length * 2);
        }
        size += deflater.deflate(buffer, size, buffer.length - size);
      }
      return java.util.Arrays.copyOf(buffer, size);
    } finally {
      deflater.end();
    }
  }

  /**
   * Writes grain {@code grain} (its bytes at {@code grain * GRAIN_BYTES}) given its {@link
   * #compress compressed} form.
   *
   * @throws IllegalArgumentException if grains come out of order or beyond the capacity
   */
  public void writeGrain(long grain, byte[] compressed) throws IOException {
    if (finished) {
      throw new IllegalStateException("The VMDK stream is finished");
    }
    if (grain <= lastGrain || grain >= grainCount) {
      throw new IllegalArgumentException(
          "Grain " + grain + " is out of order or beyond the disk (" + grainCount + " grains)");
    }
    long table = grain / GTES_PER_GT;
    if (table != currentTable) {
      flushTable();
      currentTable = table;
    }
    grainTable[(int) (grain % GTES_PER_GT)] = sectorEntry();
    ByteBuffer marker = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    marker.putLong(grain * GRAIN_SECTORS).putInt(compressed.length);
    out.write(marker.array());
    out.write(compressed);
    long bytes = 12L + compressed.length;
    long sectors = (bytes + SECTOR - 1) / SECTOR;
    out.write(new byte[(int) (sectors * SECTOR - bytes)]);
    sector += sectors;
    lastGrain = grain;
  }

  /** Writes the last grain table, the grain directory, the footer and the end-of-stream marker. */
  public void finish() throws IOException {
    if (finished) {
      return;
    }
    flushTable();
    int gdSectors = (grainDirectory.length * 4 + SECTOR - 1) / SECTOR;
    writeMarker(gdSectors, MARKER_GD);
    long gdOffset = sector;
    writeTable(grainDirectory, gdSectors);
    writeMarker(1, MARKER_FOOTER);
    writeHeader(gdOffset);
    writeMarker(0, MARKER_EOS);
    out.flush();
    finished = true;
  }

  private void flushTable() throws IOException {
    if (currentTable < 0) {
      return;
    }
    int gtSectors = GTES_PER_GT * 4 / SECTOR;
    writeMarker(gtSectors, MARKER_GT);
    grainDirectory[(int) currentTable] = sectorEntry();
    writeTable(grainTable, gtSectors);
    java.util.Arrays.fill(grainTable, 0);
    currentTable = -1;
  }

  // Tables hold unsigned 32-bit sector numbers: a stream of up to 2 TiB.
  private int sectorEntry() throws IOException {
    if (sector > 0xffffffffL) {
      throw new IOException("The VMDK stream exceeds 2 TiB, the limit of its grain tables");
    }
    return (int) sector;
  }

  private void writeTable(int[] entries, int sectors) throws IOException {
    ByteBuffer table = ByteBuffer.allocate(sectors * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    for (int entry : entries) {
      table.putInt(entry);
    }
    out.write(table.array());
    sector += sectors;
  }

  private void writeMarker(long value, int type) throws IOException {
    ByteBuffer marker = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    marker.putLong(value).putInt(0).putInt(type);
    out.write(marker.array());
    sector++;
  }

  private void writeHeader(long gdOffset) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(MAGIC);
    header.putInt(3); // version 3: stream-optimised with markers
    header.putInt(FLAGS);
    header.putLong((capacityBytes + SECTOR - 1) / SECTOR);
    header.putLong(GRAIN_SECTORS);
    header.putLong(1); // descriptor offset
    header.putLong(DESCRIPTOR_SECTORS);
    header.putInt(GTES_PER_GT);
    header.putLong(0); // no redundant grain directory
    header.putLong(gdOffset);
    header.putLong(OVERHEAD_SECTORS);
    header.put((byte) 0); // clean
    header.put((byte) '\n').put((byte) ' ').put((byte) '\r').put((byte) '\n');
    header.putShort((short) 1); // deflate
    out.write(header.array());
    sector++;
  }

  private void pad(long toSector) throws IOException {
    while (sector < toSector) {
      out.write(new byte[SECTOR]);
      sector++;
    }
  }

  private byte[] descriptor(String fileName, String adapterType) {
    long sectors = (capacityBytes + SECTOR - 1) / SECTOR;
    long cylinders = Math.max(1, Math.min(65535, sectors / (255L * 63)));
    String cid = String.format("%08x", Long.hashCode(capacityBytes) ^ fileName.hashCode());
    String text =
        "# Disk DescriptorFile\n"
            + "version=1\n"
            + "CID="
            + cid
            + "\n"
            + "parentCID=ffffffff\n"
            + "createType=\"streamOptimized\"\n"
            + "\n"
            + "# Extent description\n"
            + "RW "
            + sectors
            + " SPARSE \""
            + fileName.replace("\"", "")
            + "\"\n"
            + "\n"
            + "# The Disk Data Base\n"
            + "#DDB\n"
            + "\n"
            + "ddb.virtualHWVersion = \"4\"\n"
            + "ddb.adapterType = \""
            + adapterType
            + "\"\n"
            + "ddb.geometry.cylinders = \""
            + cylinders
            + "\"\n"
            + "ddb.geometry.heads = \"255\"\n"
            + "ddb.geometry.sectors = \"63\"\n";
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
