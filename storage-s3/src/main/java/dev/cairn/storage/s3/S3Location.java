package dev.cairn.storage.s3;

import dev.cairn.storage.ObjectNames;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where an S3 store keeps its objects: an optional endpoint, a bucket and an optional key prefix.
 *
 * <p>The URL form is {@code s3://[ENDPOINT/]BUCKET[/PREFIX]}. The first segment is an endpoint if
 * and only if it contains a ':', that is if it is {@code HOST:PORT} (bucket names never contain
 * ':'; they may contain dots, so {@code s3://my.bucket/x} is the bucket {@code my.bucket}). An
 * endpoint in the URL is reached over http when its host is a loopback address ({@code localhost},
 * {@code 127.x.x.x}, {@code [::1]}) and over https otherwise. An endpoint without a port, or one
 * reached over plain http on another host, is given as a full URL through {@code --endpoint}
 * ({@link dev.cairn.storage.BlobStoreProvider.Context#endpoint()}) or {@code AWS_ENDPOINT_URL}.
 * {@code PREFIX} is one or more valid object-name segments; objects are kept under {@code PREFIX/}.
 *
 * @param endpoint the service endpoint (scheme, host and port), empty for AWS's own
 * @param bucket the bucket name
 * @param prefix the key prefix without its trailing slash, empty for the bucket's root
 */
public record S3Location(Optional<URI> endpoint, String bucket, String prefix) {
  private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{1,254}");

  public S3Location {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(prefix, "prefix");
    if (bucket == null || !BUCKET.matcher(bucket).matches()) {
      throw new IllegalArgumentException("Invalid S3 bucket name '" + bucket + "'");
    }
    if (!prefix.isEmpty()) {
      ObjectNames.requireValid(prefix);
    }
    endpoint = endpoint.map(S3Location::normalizeEndpoint);
  }

  /**
   * Parses an {@code s3://} URL. {@code explicitEndpoint} (a full {@code http(s)://HOST[:PORT]}
   * URL, from {@code --endpoint} or {@code AWS_ENDPOINT_URL}) applies when the URL has none.
   *
   * @throws IllegalArgumentException naming the URL and what is wrong with it, also when the URL
   *     and {@code explicitEndpoint} name different endpoints
   */
  public static S3Location parse(String url, Optional<String> explicitEndpoint) {
    if (url == null || !url.startsWith("s3://")) {
      throw new IllegalArgumentException("Invalid S3 location '" + url + "': not an s3:// URL");
    }
    String rest = url.substring("s3://".length());
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    if (rest.isEmpty() || rest.startsWith("/") || rest.contains("//")) {
      throw new IllegalArgumentException(
          "Invalid S3 location '" + url + "': expected s3://[HOST:PORT/]BUCKET[/PREFIX]");
    }
    if (rest.contains("?") || rest.contains("#") || rest.contains("@")) {
      throw new IllegalArgumentException(
          "Invalid S3 location '"
              + url
              + "': no query, fragment or user info allowed (credentials come from the"
              + " environment)");
    }
    Optional<URI> endpoint = Optional.empty();
    String first = rest.split("/", 2)[0];
    if (first.contains(":")) {
      if (!rest.contains("/")) {
        throw new IllegalArgumentException(
            "Invalid S3 location '" + url + "': endpoint " + first + " but no bucket");
      }
      endpoint = Optional.of(endpointOf(url, first));
      rest = rest.substring(first.length() + 1);
    }
    String[] bucketAndPrefix = rest.split("/", 2);
    String prefix = bucketAndPrefix.length == 2 ? bucketAndPrefix[1] : "";
    Optional<URI> explicit = explicitEndpoint.filter(e -> !e.isBlank()).map(e -> uriOf(url, e));
    if (endpoint.isPresent() && explicit.isPresent() && !endpoint.equals(explicit)) {
      throw new IllegalArgumentException(
          "Invalid S3 location '"
              + url
              + "': its endpoint differs from the explicit endpoint "
              + explicit.get());
    }
    try {
      return new S3Location(endpoint.or(() -> explicit), bucketAndPrefix[0], prefix);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid S3 location '" + url + "': " + e.getMessage(), e);
    }
  }

  /** Whether {@code host} names this machine, so plain http to it never leaves the machine. */
  public static boolean isLoopback(String host) {
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    return bare.equals("localhost") || bare.startsWith("127.") || bare.equals("::1");
  }

  /** The object key of {@code name}: the prefix, a slash and the name. */
  public String key(String name) {
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  /** The key prefix including its trailing slash, empty for the bucket's root. */
  public String keyPrefix() {
    return prefix.isEmpty() ? "" : prefix + "/";
  }

  /**
   * The URL form, {@code s3://[HOST:PORT/]BUCKET[/PREFIX]}, with the port always written so that
   * the endpoint is recognised when the URL is parsed again. Never holds a secret.
   */
  @Override
  public String toString() {
    StringBuilder url = new StringBuilder("s3://");
    endpoint.ifPresent(e -> url.append(e.getHost()).append(':').append(e.getPort()).append('/'));
    url.append(bucket);
    if (!prefix.isEmpty()) {
      url.append('/').append(prefix);
    }
    return url.toString();
  }

  private static URI endpointOf(String url, String hostAndPort) {
    int colon = hostAndPort.lastIndexOf(':');
    String host = hostAndPort.substring(0, colon);
    String scheme = isLoopback(host) ? "http" : "https";
    return uriOf(url, scheme + "://" + hostAndPort);
  }

  private static URI uriOf(String url, String endpoint) {
    try {
      URI uri = new URI(endpoint);
      if (uri.getHost() == null
          || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getUserInfo() != null
          || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))
          || uri.getQuery() != null) {
        throw new IllegalArgumentException(
            "Invalid S3 location '"
                + url
                + "': endpoint '"
                + endpoint
                + "' is not http(s)://HOST[:PORT]");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "Invalid S3 location '" + url + "': endpoint '" + endpoint + "' is not a URL", e);
    }
  }

  private static URI normalizeEndpoint(URI uri) {
    int port = uri.getPort() != -1 ? uri.getPort() : "http".equals(uri.getScheme()) ? 80 : 443;
    return URI.create(uri.getScheme() + "://" + uri.getHost() + ":" + port);
  }
}
