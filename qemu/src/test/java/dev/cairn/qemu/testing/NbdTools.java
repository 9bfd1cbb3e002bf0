package dev.cairn.qemu.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads and writes NBD exports and image files with the libnbd and QEMU command-line tools. */
public final class NbdTools {
  private NbdTools() {}

  /** The whole export, copied with {@code nbdcopy}. */
  public static byte[] readAll(String url, Path scratch) throws Exception {
    Path copy = Files.createTempFile(scratch, "export-", ".raw");
    try {
      Processes.run("nbdcopy", url, copy.toString());
      return Files.readAllBytes(copy);
    } finally {
      Files.deleteIfExists(copy);
    }
  }

  /** The dirty ranges of a {@code qemu:dirty-bitmap:NAME} context, merged, from {@code nbdinfo}. */
  public static List<Range> dirtyRanges(String url, String context) throws Exception {
    String map = Processes.run("nbdinfo", "--map=" + context, url);
    List<Range> ranges = new ArrayList<>();
    for (String line : map.strip().split("\n")) {
      String[] fields = line.strip().split("\\s+");
      if (fields.length < 3 || !fields[2].equals("1")) {
        continue;
      }
      long offset = Long.parseLong(fields[0]);
      long length = Long.parseLong(fields[1]);
      if (!ranges.isEmpty() && ranges.getLast().end() == offset) {
        Range last = ranges.removeLast();
        ranges.add(new Range(last.offset(), last.length() + length));
      } else {
        ranges.add(new Range(offset, length));
      }
    }
    return ranges;
  }

  /** Writes {@code length} bytes of {@code pattern} at {@code offset} through an NBD export. */
  public static void write(String url, int pattern, long offset, long length) throws Exception {
    Processes.run("qemu-io", "-f", "raw", "-c", command(pattern, offset, length), url);
  }

  /** Writes a pattern straight into an image file that no QEMU has open. */
  public static void writeImage(Path image, String format, int pattern, long offset, long length)
      throws Exception {
    Processes.run(
        "qemu-io", "-f", format, "-c", command(pattern, offset, length), image.toString());
  }

  private static String command(int pattern, long offset, long length) {
    return "write -P " + pattern + " " + offset + " " + length;
  }
}
