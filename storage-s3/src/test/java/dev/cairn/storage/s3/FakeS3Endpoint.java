package dev.cairn.storage.s3;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small S3 in memory, on the JDK's HTTP server, that models what neither S3Mock nor Ceph RGW 16
 * does: storage classes that change only by a copy onto the same key, GLACIER and DEEP_ARCHIVE
 * objects that answer GETs with 403 InvalidObjectState until a RestoreObject has made a temporary
 * copy ({@code x-amz-restore} on HEAD), versioned buckets where each copy is a new version, and
 * Object Lock that refuses deleting a retained version and is not inherited by copies. Restores
 * complete when a test says so ({@link #completeRestores()}), or by themselves after a number of
 * HEADs ({@link #completeRestoresAfterHeads}) for tests whose client runs in another process.
 *
 * <p>Path-style addressing, no signature checks, no multipart uploads (objects up to the store's
 * single-request limit). Every request is recorded with its headers and body, so tests assert what
 * Cairn sends. Answers follow the S3 API reference: CopyObject of an object onto itself without a
 * change is 400 InvalidRequest, RestoreObject is 202 when started, 200 when a copy exists (its
 * expiry moves), 409 RestoreAlreadyInProgress, 403 InvalidObjectState for online classes, and 503
 * GlacierExpeditedRetrievalNotAvailable for Expedited when {@link #refuseExpedited} is set.
 */
public final class FakeS3Endpoint implements AutoCloseable {

  /** One request as the server saw it; header names are lower case. */
  public record Request(
      String method,
      String bucket,
      String key,
      Map<String, String> query,
      Map<String, String> headers,
      String body) {
    /** The header {@code name} (any case), or null. */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** "METHOD key?query" in the order the query was sent, for readable assertions. */
    public String line() {
      StringBuilder line = new StringBuilder(method).append(' ').append(key);
      if (!query.isEmpty()) {
        line.append('?');
        query.forEach((k, v) -> line.append(k).append(v.isEmpty() ? "" : "=" + v).append('&'));
        line.setLength(line.length() - 1);
      }
      return line.toString();
    }
  }

  /** What a test sees of one stored version. */
  public record Version(
      String versionId,
      boolean deleteMarker,
      byte[] content,
      String storageClass,
      String restore,
      Optional<String> lockMode,
      Optional<Instant> retainUntil,
      boolean legalHold) {}

  private static final String ILLEGAL_SELF_COPY =
      "This copy request is illegal because it is trying to copy an object to itself without"
          + " changing the object's metadata, storage class, website redirect location or"
          + " encryption attributes.";
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, Bucket> buckets = new TreeMap<>();
  private final List<Request> requests = new ArrayList<>();
  private final AtomicLong versions = new AtomicLong();
  private int restoreAfterHeads = -1;
  private boolean refuseExpedited;

  private FakeS3Endpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Starts a server on a free loopback port. */
  public static FakeS3Endpoint start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    FakeS3Endpoint endpoint = new FakeS3Endpoint(server, executor);
    server.createContext("/", endpoint::handle);
    server.setExecutor(executor);
    server.start();
    return endpoint;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.close();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The {@code s3://} URL of {@code bucketAndPrefix} on this endpoint. */
  public String url(String bucketAndPrefix) {
    return "s3://127.0.0.1:" + port() + "/" + bucketAndPrefix;
  }

  /** Credentials for the clients: any keys work, nothing is signed-checked. */
  public Map<String, String> environment() {
    return Map.of("AWS_ACCESS_KEY_ID", "fake-access", "AWS_SECRET_ACCESS_KEY", "fake-secret");
  }

  /**
   * Creates a bucket. Object Lock implies versioning, as on S3.
   *
   * @param versioned whether each write is a new version
   * @param objectLock whether objects may carry retentions and legal holds
   */
  public synchronized void createBucket(String name, boolean versioned, boolean objectLock) {
    buckets.put(name, new Bucket(versioned || objectLock, objectLock));
  }

  /** Every request so far, in order of arrival. */
  public synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The requests so far but HEADs, GET ?retention and GET ?legal-hold, as {@link Request#line}. */
  public synchronized List<String> changes() {
    return requests.stream()
        .filter(
            r ->
                !r.method().equals("HEAD")
                    && !(r.method().equals("GET")
                        && (r.query().containsKey("retention")
                            || r.query().containsKey("legal-hold"))))
        .map(Request::line)
        .toList();
  }

  public synchronized void clearRequests() {
    requests.clear();
  }

  /** Makes every restore in progress a readable temporary copy; returns how many there were. */
  public synchronized int completeRestores() {
    int completed = 0;
    for (Bucket bucket : buckets.values()) {
      for (List<StoredVersion> history : bucket.objects.values()) {
        for (StoredVersion version : history) {
          if (version.restoring) {
            version.complete();
            completed++;
          }
        }
      }
    }
    return completed;
  }

  /**
   * From now on a restore completes by itself once {@code heads} HEAD requests have found it in
   * progress (the next one finds the copy): for a client in another process. Negative: never.
   */
  public synchronized void completeRestoresAfterHeads(int heads) {
    restoreAfterHeads = heads;
  }

  /** Makes every restored temporary copy expire, as S3 does after its days. */
  public synchronized void expireRestores() {
    for (Bucket bucket : buckets.values()) {
      for (List<StoredVersion> history : bucket.objects.values()) {
        for (StoredVersion version : history) {
          version.restoredUntil = null;
        }
      }
    }
  }

  /** Whether Expedited restores are answered 503 GlacierExpeditedRetrievalNotAvailable. */
  public synchronized void refuseExpedited(boolean refuse) {
    refuseExpedited = refuse;
  }

  /** Puts {@code key}'s current version in {@code storageClass}, as a lifecycle rule would. */
  public synchronized void transition(String bucket, String key, String storageClass) {
    StoredVersion current = buckets.get(bucket).current(key);
    if (current == null) {
      throw new IllegalArgumentException("no object " + key);
    }
    current.storageClass = storageClass;
  }

  /** Every version of {@code key}, oldest first, delete markers included. */
  public synchronized List<Version> versions(String bucket, String key) {
    return buckets.get(bucket).objects.getOrDefault(key, List.of()).stream()
        .map(StoredVersion::view)
        .toList();
  }

  /** The current version of {@code key}, if it exists and is not a delete marker. */
  public synchronized Optional<Version> current(String bucket, String key) {
    return Optional.ofNullable(buckets.get(bucket).current(key)).map(StoredVersion::view);
  }

  /** Every key of {@code bucket} with at least one version (or delete marker). */
  public synchronized List<String> keys(String bucket) {
    return List.copyOf(buckets.get(bucket).objects.keySet());
  }

  /** The keys of {@code bucket} whose current version is in {@code storageClass}. */
  public synchronized List<String> keysIn(String bucket, String storageClass) {
    List<String> keys = new ArrayList<>();
    buckets
        .get(bucket)
        .objects
        .forEach(
            (key, history) -> {
              StoredVersion current = buckets.get(bucket).current(key);
              if (current != null && current.storageClass.equals(storageClass)) {
                keys.add(key);
              }
            });
    return keys;
  }

  // ---- the server -----------------------------------------------------------------------------

  private static final class Bucket {
    final boolean versioned;
    final boolean objectLock;
    final TreeMap<String, List<StoredVersion>> objects = new TreeMap<>();

    Bucket(boolean versioned, boolean objectLock) {
      this.versioned = versioned;
      this.objectLock = objectLock;
    }

    StoredVersion current(String key) {
      List<StoredVersion> history = objects.get(key);
      if (history == null || history.isEmpty()) {
        return null;
      }
      StoredVersion last = history.getLast();
      return last.deleteMarker ? null : last;
    }

    StoredVersion version(String key, String versionId) {
      if (versionId == null) {
        return current(key);
      }
      for (StoredVersion version : objects.getOrDefault(key, List.of())) {
        if (version.id.equals(versionId) && !version.deleteMarker) {
          return version;
        }
      }
      return null;
    }

    void add(String key, StoredVersion version) {
      List<StoredVersion> history = objects.computeIfAbsent(key, k -> new ArrayList<>());
      if (!versioned) {
        history.clear();
      }
      history.add(version);
    }
  }

  private static final class StoredVersion {
    final String id;
    final boolean deleteMarker;
    final byte[] content;
    final String contentType;
    final Instant modified = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String storageClass;
    boolean restoring;
    int restoreDays;
    int headsWhileRestoring;
    Instant restoredUntil;
    String lockMode;
    Instant retainUntil;
    Boolean legalHold;

    StoredVersion(
        String id, boolean deleteMarker, byte[] content, String contentType, String storageClass) {
      this.id = id;
      this.deleteMarker = deleteMarker;
      this.content = content;
      this.contentType = contentType;
      this.storageClass = storageClass;
    }

    boolean offline() {
      return storageClass.equals("GLACIER") || storageClass.equals("DEEP_ARCHIVE");
    }

    boolean readable() {
      return !offline() || restoredUntil != null;
    }

    boolean protectedNow() {
      return (retainUntil != null && retainUntil.isAfter(Instant.now()))
          || Boolean.TRUE.equals(legalHold);
    }

    void complete() {
      restoring = false;
      restoredUntil =
          Instant.now().truncatedTo(ChronoUnit.DAYS).plus(restoreDays + 1L, ChronoUnit.DAYS);
    }

    String restoreHeader() {
      if (restoring) {
        return "ongoing-request=\"true\"";
      }
      if (restoredUntil != null) {
        return "ongoing-request=\"false\", expiry-date=\""
            + DateTimeFormatter.RFC_1123_DATE_TIME.format(restoredUntil.atZone(ZoneOffset.UTC))
            + "\"";
      }
      return null;
    }

    String etag() {
      try {
        return "\""
            + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content))
            + "\"";
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    Version view() {
      return new Version(
          id,
          deleteMarker,
          content,
          storageClass,
          restoreHeader(),
          Optional.ofNullable(lockMode),
          Optional.ofNullable(retainUntil),
          Boolean.TRUE.equals(legalHold));
    }
  }

  /** A failure answered as S3 does: status, code and message (no body for HEAD). */
  private static final class S3Error extends Exception {
    final int status;
    final String code;

    S3Error(int status, String code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      String[] parts = path.substring(1).split("/", 2);
      String bucketName = parts[0];
      String key = parts.length == 2 ? parts[1] : "";
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      Map<String, String> headers = new LinkedHashMap<>();
      exchange
          .getRequestHeaders()
          .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.getFirst()));
      byte[] body = exchange.getRequestBody().readAllBytes();
      Request request =
          new Request(
              method,
              bucketName,
              key,
              query,
              headers,
              new String(body, StandardCharsets.ISO_8859_1));
      try {
        synchronized (this) {
          requests.add(request);
          answer(exchange, request, body);
        }
      } catch (S3Error e) {
        if (method.equals("HEAD")) {
          exchange.sendResponseHeaders(e.status, -1);
        } else {
          reply(
              exchange,
              e.status,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                  + e.code
                  + "</Code><Message>"
                  + e.getMessage()
                  + "</Message></Error>");
        }
      }
    }
  }

  private void answer(HttpExchange exchange, Request request, byte[] body)
      throws IOException, S3Error {
    Bucket bucket = buckets.get(request.bucket());
    if (request.key().isEmpty()) {
      answerBucket(exchange, request, bucket);
      return;
    }
    if (bucket == null) {
      throw new S3Error(404, "NoSuchBucket", "The specified bucket does not exist");
    }
    String key = request.key();
    Map<String, String> query = request.query();
    switch (request.method()) {
      case "HEAD" -> {
        StoredVersion version = existing(bucket, key, query.get("versionId"));
        if (version.restoring && restoreAfterHeads >= 0) {
          if (version.headsWhileRestoring >= restoreAfterHeads) {
            version.complete();
          }
          version.headsWhileRestoring++;
        }
        objectHeaders(exchange, bucket, version);
        exchange.getResponseHeaders().add("Content-Length", "" + version.content.length);
        exchange.sendResponseHeaders(200, -1);
      }
      case "GET" -> {
        if (query.containsKey("retention")) {
          retention(exchange, bucket, existing(bucket, key, query.get("versionId")));
        } else if (query.containsKey("legal-hold")) {
          legalHold(exchange, bucket, existing(bucket, key, query.get("versionId")));
        } else {
          get(exchange, request, bucket, existing(bucket, key, query.get("versionId")));
        }
      }
      case "PUT" -> {
        if (query.containsKey("retention")) {
          putRetention(exchange, bucket, existing(bucket, key, query.get("versionId")), request);
        } else if (query.containsKey("legal-hold")) {
          requireLock(bucket);
          StoredVersion version = existing(bucket, key, query.get("versionId"));
          version.legalHold = tag(request.body(), "Status").equals("ON");
          exchange.sendResponseHeaders(200, -1);
        } else if (query.containsKey("uploadId") || query.containsKey("partNumber")) {
          throw new S3Error(501, "NotImplemented", "multipart uploads are not modelled");
        } else if (request.header("x-amz-copy-source") != null) {
          copy(exchange, request, bucket);
        } else {
          put(exchange, request, bucket, body);
        }
      }
      case "POST" -> {
        if (query.containsKey("restore")) {
          restore(exchange, request, bucket);
        } else {
          throw new S3Error(501, "NotImplemented", "multipart uploads are not modelled");
        }
      }
      case "DELETE" -> delete(exchange, bucket, key, query);
      default -> throw new S3Error(405, "MethodNotAllowed", request.method());
    }
  }

  private void answerBucket(HttpExchange exchange, Request request, Bucket bucket)
      throws IOException, S3Error {
    if (request.method().equals("PUT")) {
      if (bucket != null) {
        throw new S3Error(409, "BucketAlreadyOwnedByYou", "You already own it");
      }
      boolean lock = "true".equalsIgnoreCase(request.header("x-amz-bucket-object-lock-enabled"));
      buckets.put(request.bucket(), new Bucket(lock, lock));
      exchange.sendResponseHeaders(200, -1);
      return;
    }
    if (bucket == null) {
      throw new S3Error(404, "NoSuchBucket", "The specified bucket does not exist");
    }
    switch (request.method()) {
      case "HEAD" -> exchange.sendResponseHeaders(200, -1);
      case "GET" -> {
        if (request.query().containsKey("versioning")) {
          reply(
              exchange,
              200,
              "<VersioningConfiguration>"
                  + (bucket.versioned ? "<Status>Enabled</Status>" : "")
                  + "</VersioningConfiguration>");
        } else {
          list(exchange, request.query(), bucket);
        }
      }
      default -> throw new S3Error(501, "NotImplemented", request.method() + " on a bucket");
    }
  }

  private void list(HttpExchange exchange, Map<String, String> query, Bucket bucket)
      throws IOException {
    String prefix = query.getOrDefault("prefix", "");
    int max = Integer.parseInt(query.getOrDefault("max-keys", "1000"));
    String after = query.getOrDefault("continuation-token", query.get("start-after"));
    StringBuilder xml = new StringBuilder("<ListBucketResult><Prefix>" + prefix + "</Prefix>");
    int count = 0;
    String last = null;
    boolean truncated = false;
    for (String key :
        (after == null ? bucket.objects : bucket.objects.tailMap(after, false)).keySet()) {
      StoredVersion current = bucket.current(key);
      if (!key.startsWith(prefix) || current == null) {
        continue;
      }
      if (count == max) {
        truncated = true;
        break;
      }
      xml.append("<Contents><Key>")
          .append(key)
          .append("</Key><LastModified>")
          .append(current.modified)
          .append("</LastModified><ETag>")
          .append(current.etag())
          .append("</ETag><Size>")
          .append(current.content.length)
          .append("</Size><StorageClass>")
          .append(current.storageClass)
          .append("</StorageClass></Contents>");
      count++;
      last = key;
    }
    xml.append("<KeyCount>").append(count).append("</KeyCount>");
    xml.append("<MaxKeys>").append(max).append("</MaxKeys>");
    xml.append("<IsTruncated>").append(truncated).append("</IsTruncated>");
    if (truncated) {
      xml.append("<NextContinuationToken>").append(last).append("</NextContinuationToken>");
    }
    reply(exchange, 200, xml.append("</ListBucketResult>").toString());
  }

  private StoredVersion existing(Bucket bucket, String key, String versionId) throws S3Error {
    StoredVersion version = bucket.version(key, versionId);
    if (version == null) {
      throw new S3Error(404, "NoSuchKey", "The specified key does not exist.");
    }
    return version;
  }

  private void objectHeaders(HttpExchange exchange, Bucket bucket, StoredVersion version) {
    var headers = exchange.getResponseHeaders();
    headers.add("ETag", version.etag());
    headers.add(
        "Last-Modified",
        DateTimeFormatter.RFC_1123_DATE_TIME.format(version.modified.atZone(ZoneOffset.UTC)));
    headers.add("Content-Type", version.contentType);
    if (bucket.versioned) {
      headers.add("x-amz-version-id", version.id);
    }
    if (!version.storageClass.equals("STANDARD")) {
      headers.add("x-amz-storage-class", version.storageClass);
    }
    String restore = version.restoreHeader();
    if (restore != null) {
      headers.add("x-amz-restore", restore);
    }
    if (version.lockMode != null) {
      headers.add("x-amz-object-lock-mode", version.lockMode);
      headers.add("x-amz-object-lock-retain-until-date", version.retainUntil.toString());
    }
    if (version.legalHold != null) {
      headers.add("x-amz-object-lock-legal-hold", version.legalHold ? "ON" : "OFF");
    }
  }

  private void get(HttpExchange exchange, Request request, Bucket bucket, StoredVersion version)
      throws IOException, S3Error {
    if (!version.readable()) {
      throw new S3Error(
          403, "InvalidObjectState", "The operation is not valid for the object's storage class");
    }
    byte[] content = version.content;
    int from = 0;
    int to = content.length - 1;
    int status = 200;
    String range = request.header("range");
    if (range != null) {
      Matcher matcher = RANGE.matcher(range);
      if (!matcher.matches()) {
        throw new S3Error(400, "InvalidArgument", "bad range " + range);
      }
      from = Integer.parseInt(matcher.group(1));
      if (from >= content.length) {
        throw new S3Error(416, "InvalidRange", "The requested range is not satisfiable");
      }
      if (!matcher.group(2).isEmpty()) {
        to = Math.min(to, Integer.parseInt(matcher.group(2)));
      }
      status = 206;
      exchange
          .getResponseHeaders()
          .add("Content-Range", "bytes " + from + "-" + to + "/" + content.length);
    }
    objectHeaders(exchange, bucket, version);
    int length = to - from + 1;
    exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
    exchange.getResponseBody().write(content, from, length);
  }

  private void put(HttpExchange exchange, Request request, Bucket bucket, byte[] body)
      throws IOException, S3Error {
    String key = request.key();
    if ("*".equals(request.header("if-none-match")) && bucket.current(key) != null) {
      throw new S3Error(412, "PreconditionFailed", "At least one of the preconditions failed");
    }
    String md5 = request.header("content-md5");
    if (md5 != null && !md5.equals(md5(body))) {
      throw new S3Error(400, "BadDigest", "The Content-MD5 you specified did not match");
    }
    StoredVersion version =
        new StoredVersion(
            newVersionId(bucket),
            false,
            body,
            Optional.ofNullable(request.header("content-type")).orElse("binary/octet-stream"),
            Optional.ofNullable(request.header("x-amz-storage-class")).orElse("STANDARD"));
    applyLockHeaders(request, bucket, version);
    bucket.add(key, version);
    exchange.getResponseHeaders().add("ETag", version.etag());
    if (bucket.versioned) {
      exchange.getResponseHeaders().add("x-amz-version-id", version.id);
    }
    exchange.sendResponseHeaders(200, -1);
  }

  private void copy(HttpExchange exchange, Request request, Bucket bucket)
      throws IOException, S3Error {
    String source = URLDecoder.decode(request.header("x-amz-copy-source"), StandardCharsets.UTF_8);
    if (source.startsWith("/")) {
      source = source.substring(1);
    }
    String sourceVersionId = null;
    int question = source.indexOf("?versionId=");
    if (question >= 0) {
      sourceVersionId = source.substring(question + "?versionId=".length());
      source = source.substring(0, question);
    }
    String[] bucketAndKey = source.split("/", 2);
    Bucket sourceBucket = buckets.get(bucketAndKey[0]);
    if (sourceBucket == null) {
      throw new S3Error(404, "NoSuchBucket", "The specified bucket does not exist");
    }
    StoredVersion from = existing(sourceBucket, bucketAndKey[1], sourceVersionId);
    if (!from.readable()) {
      throw new S3Error(
          403,
          "InvalidObjectState",
          "The source object of the COPY action is not in the active tier");
    }
    String directive =
        Optional.ofNullable(request.header("x-amz-metadata-directive")).orElse("COPY");
    String storageClass =
        Optional.ofNullable(request.header("x-amz-storage-class")).orElse("STANDARD");
    boolean onto =
        sourceBucket == bucket
            && bucketAndKey[1].equals(request.key())
            && from == bucket.current(request.key());
    if (onto && directive.equals("COPY") && storageClass.equals(from.storageClass)) {
      throw new S3Error(400, "InvalidRequest", ILLEGAL_SELF_COPY);
    }
    StoredVersion copy =
        new StoredVersion(
            newVersionId(bucket),
            false,
            from.content,
            directive.equals("COPY")
                ? from.contentType
                : Optional.ofNullable(request.header("content-type")).orElse("binary/octet-stream"),
            storageClass);
    applyLockHeaders(request, bucket, copy);
    bucket.add(request.key(), copy);
    if (bucket.versioned) {
      exchange.getResponseHeaders().add("x-amz-version-id", copy.id);
    }
    if (sourceBucket.versioned) {
      exchange.getResponseHeaders().add("x-amz-copy-source-version-id", from.id);
    }
    reply(
        exchange,
        200,
        "<CopyObjectResult><ETag>"
            + copy.etag()
            + "</ETag><LastModified>"
            + copy.modified
            + "</LastModified></CopyObjectResult>");
  }

  private void applyLockHeaders(Request request, Bucket bucket, StoredVersion version)
      throws S3Error {
    String mode = request.header("x-amz-object-lock-mode");
    String until = request.header("x-amz-object-lock-retain-until-date");
    String hold = request.header("x-amz-object-lock-legal-hold");
    if (mode == null && until == null && hold == null) {
      return;
    }
    requireLock(bucket);
    if (mode != null || until != null) {
      if (mode == null || until == null) {
        throw new S3Error(400, "InvalidRequest", "mode and retain-until-date go together");
      }
      Instant date = Instant.parse(until);
      if (!date.isAfter(Instant.now())) {
        throw new S3Error(400, "InvalidArgument", "The retain until date must be in the future!");
      }
      version.lockMode = mode;
      version.retainUntil = date;
    }
    if (hold != null) {
      version.legalHold = hold.equals("ON");
    }
  }

  private static void requireLock(Bucket bucket) throws S3Error {
    if (!bucket.objectLock) {
      throw new S3Error(400, "InvalidRequest", "Bucket is missing Object Lock Configuration");
    }
  }

  private void retention(HttpExchange exchange, Bucket bucket, StoredVersion version)
      throws IOException, S3Error {
    requireLock(bucket);
    if (version.lockMode == null) {
      throw new S3Error(
          404, "NoSuchObjectLockConfiguration", "The specified object does not have a retention");
    }
    reply(
        exchange,
        200,
        "<Retention><Mode>"
            + version.lockMode
            + "</Mode><RetainUntilDate>"
            + version.retainUntil
            + "</RetainUntilDate></Retention>");
  }

  private void legalHold(HttpExchange exchange, Bucket bucket, StoredVersion version)
      throws IOException, S3Error {
    requireLock(bucket);
    if (version.legalHold == null) {
      throw new S3Error(
          404, "NoSuchObjectLockConfiguration", "The specified object does not have a legal hold");
    }
    reply(
        exchange,
        200,
        "<LegalHold><Status>" + (version.legalHold ? "ON" : "OFF") + "</Status></LegalHold>");
  }

  private void putRetention(
      HttpExchange exchange, Bucket bucket, StoredVersion version, Request request)
      throws IOException, S3Error {
    requireLock(bucket);
    String mode = tag(request.body(), "Mode");
    Instant until = Instant.parse(tag(request.body(), "RetainUntilDate"));
    boolean shortens = version.retainUntil != null && until.isBefore(version.retainUntil);
    boolean weakens = "COMPLIANCE".equals(version.lockMode) && !mode.equals("COMPLIANCE");
    if (version.protectedNow() && version.retainUntil != null && (shortens || weakens)) {
      throw new S3Error(
          403, "AccessDenied", "Access Denied because object protected by object lock");
    }
    version.lockMode = mode;
    version.retainUntil = until;
    exchange.sendResponseHeaders(200, -1);
  }

  private void restore(HttpExchange exchange, Request request, Bucket bucket)
      throws IOException, S3Error {
    StoredVersion version = existing(bucket, request.key(), request.query().get("versionId"));
    String days = tag(request.body(), "Days");
    if (days.isEmpty()) {
      throw new S3Error(400, "MalformedXML", "Days is required");
    }
    String tier = tag(request.body(), "Tier");
    if (tier.isEmpty()) {
      tier = "Standard";
    }
    if (!version.offline()) {
      throw new S3Error(
          403,
          "InvalidObjectState",
          "Restore is not allowed for the object's current storage class");
    }
    if (version.restoring) {
      throw new S3Error(409, "RestoreAlreadyInProgress", "Object restore is already in progress");
    }
    if (tier.equals("Expedited") && version.storageClass.equals("DEEP_ARCHIVE")) {
      throw new S3Error(
          400, "InvalidArgument", "Expedited retrievals are not available for DEEP_ARCHIVE");
    }
    if (tier.equals("Expedited") && refuseExpedited) {
      throw new S3Error(
          503,
          "GlacierExpeditedRetrievalNotAvailable",
          "Glacier expedited retrievals are currently not available, please try again later");
    }
    version.restoreDays = Integer.parseInt(days);
    if (version.restoredUntil != null) {
      version.complete(); // a copy exists: its expiry moves
      exchange.sendResponseHeaders(200, -1);
      return;
    }
    version.restoring = true;
    version.headsWhileRestoring = 0;
    exchange.sendResponseHeaders(202, -1);
  }

  private void delete(HttpExchange exchange, Bucket bucket, String key, Map<String, String> query)
      throws IOException, S3Error {
    if (query.containsKey("uploadId")) {
      exchange.sendResponseHeaders(204, -1);
      return;
    }
    List<StoredVersion> history = bucket.objects.get(key);
    String versionId = query.get("versionId");
    if (versionId != null) {
      StoredVersion version = history == null ? null : bucket.version(key, versionId);
      if (version != null) {
        if (version.protectedNow()) {
          throw new S3Error(
              403, "AccessDenied", "Access Denied because object protected by object lock");
        }
        history.remove(version);
        if (history.isEmpty()) {
          bucket.objects.remove(key);
        }
      }
    } else if (bucket.versioned) {
      if (bucket.current(key) != null) {
        bucket.add(key, new StoredVersion(newVersionId(bucket), true, new byte[0], "", "STANDARD"));
      }
    } else {
      bucket.objects.remove(key);
    }
    exchange.sendResponseHeaders(204, -1);
  }

  private String newVersionId(Bucket bucket) {
    return bucket.versioned ? "v" + versions.incrementAndGet() : "null";
  }

  private static String tag(String xml, String name) {
    Matcher matcher = Pattern.compile("<" + name + ">\\s*([^<]*?)\\s*</" + name + ">").matcher(xml);
    return matcher.find() ? matcher.group(1) : "";
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      String value = equals < 0 ? "" : pair.substring(equals + 1);
      query.put(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return query;
  }

  private static String md5(byte[] body) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void reply(HttpExchange exchange, int status, String xml) throws IOException {
    byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/xml");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }
}
