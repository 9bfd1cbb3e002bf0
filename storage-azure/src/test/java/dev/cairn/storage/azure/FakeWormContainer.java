package dev.cairn.storage.azure;

import dev.cairn.storage.azure.FakeBlobService.Answer;
import dev.cairn.storage.azure.FakeBlobService.Request;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A stateful stand-in for one Azure container with version-level immutability, behind {@link
 * FakeBlobService}: it keeps blobs, their metadata, immutability policy and legal hold, and answers
 * Put Blob (conditional), Get/Head Blob, Delete Blob, Set Immutability Policy and Set Legal Hold as
 * the service does, enforcing policies (409 BlobImmutableDueToPolicy) and refusing to shorten a
 * locked one. Enough for the retention contract; not a general Azure emulator (no blocks, no
 * listing, no ranges).
 */
final class FakeWormContainer implements Function<Request, Answer> {
  private record Blob(
      byte[] content, Map<String, String> metadata, Instant until, String mode, boolean hold) {}

  private final Map<String, Blob> blobs = new HashMap<>();

  @Override
  public synchronized Answer apply(Request request) {
    String path = request.path();
    String query = request.query();
    Blob blob = blobs.get(path);
    switch (request.method()) {
      case "PUT" -> {
        if (query.contains("comp=immutabilityPolicies")) {
          if (blob == null) {
            return Answer.error(404, "BlobNotFound");
          }
          Instant until = parse(request.header("x-ms-immutability-policy-until-date"));
          if ("locked".equalsIgnoreCase(blob.mode()) && until.isBefore(blob.until())) {
            return Answer.error(409, "ImmutabilityPolicyCannotBeShortened");
          }
          String mode = request.header("x-ms-immutability-policy-mode");
          blobs.put(path, new Blob(blob.content(), blob.metadata(), until, mode, blob.hold()));
          return Answer.of(
              200,
              "x-ms-immutability-policy-until-date",
              request.header("x-ms-immutability-policy-until-date"),
              "x-ms-immutability-policy-mode",
              mode);
        }
        if (query.contains("comp=legalhold")) {
          if (blob == null) {
            return Answer.error(404, "BlobNotFound");
          }
          boolean hold = "true".equals(request.header("x-ms-legal-hold"));
          blobs.put(
              path, new Blob(blob.content(), blob.metadata(), blob.until(), blob.mode(), hold));
          return Answer.of(200, "x-ms-legal-hold", String.valueOf(hold));
        }
        if (query.contains("comp=")) {
          return Answer.error(501, "NotImplemented");
        }
        if (blob != null) {
          return "*".equals(request.header("If-None-Match"))
              ? Answer.error(409, "BlobAlreadyExists")
              : Answer.error(409, "BlobImmutableDueToPolicy");
        }
        Map<String, String> metadata = new HashMap<>();
        request
            .headers()
            .forEach(
                (k, v) -> {
                  if (k.startsWith("x-ms-meta-")) {
                    metadata.put(k, v);
                  }
                });
        String date = request.header("x-ms-immutability-policy-until-date");
        blobs.put(
            path,
            new Blob(
                request.body(),
                metadata,
                date == null ? null : parse(date),
                request.header("x-ms-immutability-policy-mode"),
                "true".equals(request.header("x-ms-legal-hold"))));
        return Answer.created();
      }
      case "HEAD", "GET" -> {
        if (blob == null) {
          return Answer.error(404, "BlobNotFound");
        }
        List<String> headers =
            new ArrayList<>(
                List.of(
                    "Content-Length",
                    String.valueOf(blob.content().length),
                    "x-ms-blob-type",
                    "BlockBlob",
                    "ETag",
                    "\"0x" + Integer.toHexString(path.hashCode()) + "\"",
                    "Last-Modified",
                    FakeBlobService.httpDate(Instant.EPOCH),
                    "x-ms-legal-hold",
                    String.valueOf(blob.hold())));
        if (blob.until() != null) {
          headers.addAll(
              List.of(
                  "x-ms-immutability-policy-until-date",
                  FakeBlobService.httpDate(blob.until()),
                  "x-ms-immutability-policy-mode",
                  blob.mode().toLowerCase(Locale.ROOT)));
        }
        blob.metadata().forEach((k, v) -> headers.addAll(List.of(k, v)));
        Answer answer = Answer.of(200, headers.toArray(String[]::new));
        return new Answer(200, answer.headers(), blob.content());
      }
      case "DELETE" -> {
        if (blob == null) {
          return Answer.error(404, "BlobNotFound");
        }
        if (blob.hold()) {
          return Answer.error(409, "BlobImmutableDueToLegalHold");
        }
        if (blob.until() != null && Instant.now().isBefore(blob.until())) {
          return Answer.error(409, "BlobImmutableDueToPolicy");
        }
        blobs.remove(path);
        return Answer.of(202);
      }
      default -> {
        return Answer.error(501, "NotImplemented");
      }
    }
  }

  private static Instant parse(String httpDate) {
    return ZonedDateTime.parse(httpDate, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
  }
}
