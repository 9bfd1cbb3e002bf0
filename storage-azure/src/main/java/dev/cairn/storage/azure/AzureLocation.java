package dev.cairn.storage.azure;

import dev.cairn.storage.ObjectNames;
import java.util.regex.Pattern;

/**
 * Where a store lives: {@code azure://ACCOUNT/CONTAINER[/PREFIX]}. Holds no credentials, so its
 * {@link #toString()} is safe in messages.
 *
 * @param account the storage account name (3 to 24 lower-case letters and digits)
 * @param container the container name (Azure's rules: 3 to 63 lower-case letters, digits and single
 *     hyphens, starting and ending with a letter or digit)
 * @param prefix the folder inside the container that holds the objects, without leading or trailing
 *     slash; empty for the container's root
 */
public record AzureLocation(String account, String container, String prefix) {
  /** The URL scheme, without "://". */
  public static final String SCHEME = "azure";

  private static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
  private static final Pattern CONTAINER =
      Pattern.compile("[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]");

  /**
   * Validates the parts.
   *
   * @throws IllegalArgumentException naming the location and the part that is wrong
   */
  public AzureLocation {
    String url = format(account, container, prefix);
    if (account == null || !ACCOUNT.matcher(account).matches()) {
      throw new IllegalArgumentException(
          "Invalid Azure location "
              + url
              + ": the account name must be 3 to 24 lower-case letters and digits");
    }
    if (container == null || !CONTAINER.matcher(container).matches()) {
      throw new IllegalArgumentException(
          "Invalid Azure location "
              + url
              + ": the container name must be 3 to 63 lower-case letters, digits and single"
              + " hyphens, starting and ending with a letter or digit");
    }
    if (prefix == null) {
      prefix = "";
    }
    if (!prefix.isEmpty()) {
      try {
        ObjectNames.requireValid(prefix);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "Invalid Azure location "
                + url
                + ": the prefix must be slash-separated segments of [A-Za-z0-9._-]",
            e);
      }
    }
  }

  /**
   * Parses {@code azure://ACCOUNT/CONTAINER[/PREFIX][/]}.
   *
   * @throws IllegalArgumentException naming the URL and what is wrong with its form
   */
  public static AzureLocation parse(String url) {
    String start = SCHEME + "://";
    if (url == null || !url.startsWith(start)) {
      throw new IllegalArgumentException(
          "Invalid Azure location " + url + ": expected azure://ACCOUNT/CONTAINER[/PREFIX]");
    }
    if (url.contains("?") || url.contains("#") || url.contains("@")) {
      // Never echo a query: it could be a SAS token pasted into the URL.
      throw new IllegalArgumentException(
          "Invalid Azure location azure://"
              + url.substring(start.length()).split("[?#@]", 2)[0]
              + "...: credentials and queries do not belong in the URL; set"
              + " AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN");
    }
    String rest = url.substring(start.length());
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    String[] parts = rest.split("/", 3);
    if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException(
          "Invalid Azure location " + url + ": expected azure://ACCOUNT/CONTAINER[/PREFIX]");
    }
    return new AzureLocation(parts[0], parts[1], parts.length == 3 ? parts[2] : "");
  }

  /** The blob name of {@code objectName}: the prefix, a slash and the object's name. */
  String blobName(String objectName) {
    return prefix.isEmpty() ? objectName : prefix + "/" + objectName;
  }

  /** The blob-name prefix under which every object of this location lives ("" or "PREFIX/"). */
  String blobPrefix() {
    return prefix.isEmpty() ? "" : prefix + "/";
  }

  /** {@code azure://ACCOUNT/CONTAINER[/PREFIX]}. */
  @Override
  public String toString() {
    return format(account, container, prefix);
  }

  private static String format(String account, String container, String prefix) {
    return SCHEME
        + "://"
        + account
        + "/"
        + container
        + (prefix == null || prefix.isEmpty() ? "" : "/" + prefix);
  }
}
