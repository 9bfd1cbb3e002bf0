package dev.cairn.vsphere.transport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The text descriptor of a VMDK ({@code # Disk DescriptorFile}), as far as the datastore-HTTP
 * transport needs it: the extents that hold the disk's bytes. A disk whose one extent is a flat
 * file ({@code VMFS} or {@code FLAT}) can be read by byte offset over HTTP; anything else (a
 * snapshot's delta disk, a sparse or stream-optimised file) cannot.
 *
 * @param extents the extents, in order
 * @param parentFileName the parent disk of a delta disk ({@code parentFileNameHint}), if any
 */
public record VmdkDescriptor(List<Extent> extents, Optional<String> parentFileName) {
  /** Descriptors are small; anything larger is not one. */
  public static final int MAX_BYTES = 64 * 1024;

  /**
   * One extent line: {@code RW 41943040 VMFS "web-01-flat.vmdk"}.
   *
   * @param access RW, RDONLY or NOACCESS
   * @param sectors its size in 512-byte sectors
   * @param type VMFS, FLAT, SPARSE, VMFSSPARSE, SESPARSE, ZERO...
   * @param fileName the file, relative to the descriptor's folder
   */
  public record Extent(String access, long sectors, String type, String fileName) {}

  /**
   * Parses {@code bytes}, or returns empty when they are not a text descriptor (a flat or binary
   * file).
   */
  public static Optional<VmdkDescriptor> parse(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    if (!text.startsWith("# Disk DescriptorFile")) {
      return Optional.empty();
    }
    List<Extent> extents = new ArrayList<>();
    Optional<String> parent = Optional.empty();
    for (String raw : text.split("\r?\n")) {
      String line = raw.strip();
      if (line.startsWith("parentFileNameHint=")) {
        parent = Optional.of(unquote(line.substring(line.indexOf('=') + 1)));
        continue;
      }
      String[] words = line.split("\\s+", 4);
      if (words.length == 4
          && isAccess(words[0])
          && words[1].chars().allMatch(Character::isDigit)) {
        extents.add(new Extent(words[0], Long.parseLong(words[1]), words[2], fileNameOf(words[3])));
      }
    }
    return Optional.of(new VmdkDescriptor(List.copyOf(extents), parent));
  }

  /** The flat file that holds the whole disk, if the disk is one flat extent. */
  public Optional<String> flatFile() {
    if (extents.size() != 1) {
      return Optional.empty();
    }
    Extent extent = extents.getFirst();
    return extent.type().equals("VMFS") || extent.type().equals("FLAT")
        ? Optional.of(extent.fileName())
        : Optional.empty();
  }

  private static boolean isAccess(String word) {
    return word.equals("RW") || word.equals("RDONLY") || word.equals("NOACCESS");
  }

  // The file name is quoted and may be followed by an offset: "x-flat.vmdk" 0
  private static String fileNameOf(String rest) {
    String trimmed = rest.strip();
    if (trimmed.startsWith("\"")) {
      int close = trimmed.indexOf('"', 1);
      return close < 0 ? trimmed.substring(1) : trimmed.substring(1, close);
    }
    return trimmed.split("\\s+")[0];
  }

  private static String unquote(String value) {
    String trimmed = value.strip();
    return trimmed.length() >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\"")
        ? trimmed.substring(1, trimmed.length() - 1)
        : trimmed;
  }
}
