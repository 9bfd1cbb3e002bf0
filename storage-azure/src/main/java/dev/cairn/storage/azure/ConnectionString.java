package dev.cairn.storage.azure;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The parts of an Azure Storage connection string ({@code Key=Value;...}) that Cairn uses. Its
 * {@link #toString()} shows no value, so it is safe in messages.
 */
record ConnectionString(
    Optional<String> accountName,
    Optional<String> accountKey,
    Optional<String> sasToken,
    Optional<String> blobEndpoint) {

  /**
   * Parses {@code text}; the endpoint comes from {@code BlobEndpoint}, else from {@code
   * DefaultEndpointsProtocol}, {@code AccountName} and {@code EndpointSuffix}.
   *
   * @throws IllegalArgumentException naming {@code variable} (never the value) if it is malformed
   */
  static ConnectionString parse(String text, String variable) {
    Map<String, String> parts = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String part : text.split(";")) {
      if (part.isBlank()) {
        continue;
      }
      int equals = part.indexOf('=');
      if (equals <= 0) {
        throw new IllegalArgumentException(
            variable + " is not a connection string (expected Key=Value pairs separated by ';')");
      }
      parts.put(part.substring(0, equals).trim(), part.substring(equals + 1).trim());
    }
    Optional<String> account = nonBlank(parts.get("AccountName"));
    Optional<String> key = nonBlank(parts.get("AccountKey"));
    Optional<String> sas = nonBlank(parts.get("SharedAccessSignature"));
    Optional<String> endpoint = nonBlank(parts.get("BlobEndpoint"));
    if (endpoint.isEmpty() && account.isPresent()) {
      String protocol = nonBlank(parts.get("DefaultEndpointsProtocol")).orElse("https");
      String suffix = nonBlank(parts.get("EndpointSuffix")).orElse("core.windows.net");
      endpoint = Optional.of(protocol + "://" + account.get() + ".blob." + suffix);
    }
    if (key.isEmpty() && sas.isEmpty()) {
      throw new IllegalArgumentException(
          variable + " has neither an AccountKey nor a SharedAccessSignature");
    }
    if (key.isPresent() && account.isEmpty()) {
      throw new IllegalArgumentException(variable + " has an AccountKey but no AccountName");
    }
    return new ConnectionString(account, key, sas, endpoint);
  }

  private static Optional<String> nonBlank(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
  }

  @Override
  public String toString() {
    return "ConnectionString[account="
        + accountName.orElse("?")
        + ", key="
        + (accountKey.isPresent() ? "***" : "none")
        + ", sas="
        + (sasToken.isPresent() ? "***" : "none")
        + "]";
  }
}
