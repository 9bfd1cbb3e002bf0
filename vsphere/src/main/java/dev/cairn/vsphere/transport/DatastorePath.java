package dev.cairn.vsphere.transport;

/**
 * A file on a datastore as vSphere names it: {@code "[datastore1] web-01/web-01.vmdk"}.
 *
 * @param datastore the datastore's name
 * @param path the path inside it, with {@code /} separators and no leading slash
 */
public record DatastorePath(String datastore, String path) {
  public DatastorePath {
    if (datastore.isBlank()) {
      throw new IllegalArgumentException("A datastore path needs a datastore name");
    }
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
  }

  /**
   * Parses {@code "[ds] dir/file.vmdk"}.
   *
   * @throws IllegalArgumentException naming the text when it is not of that form
   */
  public static DatastorePath parse(String text) {
    String trimmed = text.strip();
    int close = trimmed.indexOf(']');
    if (!trimmed.startsWith("[") || close < 0) {
      throw new IllegalArgumentException(
          "Cannot parse datastore path '" + text + "': expected '[datastore] folder/file'");
    }
    return new DatastorePath(trimmed.substring(1, close), trimmed.substring(close + 1).strip());
  }

  /** The folder the file is in, empty for the datastore's root. */
  public String folder() {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  /** A file next to this one. */
  public DatastorePath sibling(String fileName) {
    String folder = folder();
    return new DatastorePath(datastore, folder.isEmpty() ? fileName : folder + "/" + fileName);
  }

  @Override
  public String toString() {
    return "[" + datastore + "] " + path;
  }
}
