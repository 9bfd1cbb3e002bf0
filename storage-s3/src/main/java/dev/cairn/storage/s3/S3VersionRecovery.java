package dev.cairn.storage.s3;

import dev.cairn.storage.ObjectNames;
import dev.cairn.storage.RecoveredObject;
import dev.cairn.storage.RecoveredObject.Kind;
import dev.cairn.storage.Retention;
import dev.cairn.storage.RetentionMode;
import dev.cairn.storage.VersionRecovery;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectLockLegalHoldStatus;
import software.amazon.awssdk.services.s3.model.ObjectLockRetention;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link dev.cairn.storage.VersionedBlobStore#recoverOriginals} on an S3 bucket: for every key, the
 * oldest version that is not a delete marker is Cairn's write (Cairn never overwrites), and delete
 * markers or newer versions with other content stacked over it were put there by another client.
 *
 * <p>Keys are listed with ListObjectVersions page by page and handled as soon as all of a key's
 * versions are known (a key's versions may continue on the next page), so memory holds one page and
 * the versions of one key. A key whose current version is the original, or has its content, is left
 * alone without a request. For the others: newer versions with other content are deleted by version
 * id (refused while retained: this never bypasses a governance retention), then the delete markers
 * (deleting a marker is allowed under Object Lock); if the current version is still not the
 * original's content, the original is copied onto the key from {@code ?versionId=}, with the
 * original's retention (if it has not ended) and legal hold, so that the copy is as protected as
 * Cairn made the original.
 *
 * <p>"Same content" is: same size and same ETag, or, when the ETags differ only by how the object
 * was uploaded (a multipart original, encryption), same SHA-256 of both versions read in full. This
 * is what makes a second run quiet: the copy of an earlier run counts as the original.
 */
final class S3VersionRecovery {
  private final S3Client client;
  private final S3Location location;
  private final String where;
  private final int pageSize;
  private final Clock clock;

  S3VersionRecovery(S3Client client, S3Location location, int pageSize, Clock clock) {
    this.client = client;
    this.location = location;
    this.where = location.toString();
    this.pageSize = pageSize;
    this.clock = clock;
  }

  VersionRecovery run(List<String> prefixes, boolean dryRun, Consumer<RecoveredObject> recovered)
      throws IOException {
    prefixes.forEach(ObjectNames::requireValidPrefix);
    if (!versioned()) {
      return new VersionRecovery(where, false, dryRun, 0, 0, 0, 0, 0, 0, 0);
    }
    Tally tally = new Tally(dryRun, recovered);
    for (String prefix : prefixes) {
      recoverUnder(prefix, tally);
    }
    return tally.result();
  }

  /**
   * Whether the bucket keeps versions: versioning enabled, or suspended (versions kept before the
   * suspension are still there). A bucket whose versioning was never enabled has none.
   */
  private boolean versioned() throws IOException {
    try {
      BucketVersioningStatus status =
          client.getBucketVersioning(b -> b.bucket(location.bucket())).status();
      return status == BucketVersioningStatus.ENABLED || status == BucketVersioningStatus.SUSPENDED;
    } catch (SdkException e) {
      throw new IOException(
          "Cannot read the versioning of bucket "
              + location.bucket()
              + " for "
              + where
              + ": "
              + S3BlobStore.reason(e),
          e);
    }
  }

  private void recoverUnder(String prefix, Tally tally) throws IOException {
    String listed = location.keyPrefix() + prefix;
    String keyMarker = null;
    String versionMarker = null;
    Versions pending = null;
    while (true) {
      ListObjectVersionsResponse page = listPage(prefix, listed, keyMarker, versionMarker);
      Map<String, Versions> byKey = new TreeMap<>();
      for (ObjectVersion version : page.versions()) {
        byKey
            .computeIfAbsent(version.key(), Versions::new)
            .data
            .add(
                new DataVersion(
                    version.versionId(),
                    unquoted(version.eTag()),
                    version.size() == null ? -1 : version.size(),
                    Boolean.TRUE.equals(version.isLatest()),
                    version.storageClassAsString()));
      }
      for (DeleteMarkerEntry marker : page.deleteMarkers()) {
        byKey
            .computeIfAbsent(marker.key(), Versions::new)
            .markers
            .add(new Marker(marker.versionId(), Boolean.TRUE.equals(marker.isLatest())));
      }
      if (pending != null) {
        Versions continued = byKey.remove(pending.key);
        if (continued != null) {
          pending.append(continued);
        }
      }
      boolean truncated = Boolean.TRUE.equals(page.isTruncated());
      // The page's last key may go on in the next page: keep it until its versions are all known.
      String open = truncated ? page.nextKeyMarker() : null;
      if (pending != null && !pending.key.equals(open)) {
        recoverKey(pending, tally);
        pending = null;
      }
      for (Versions key : byKey.values()) {
        if (key.key.equals(open)) {
          pending = key;
        } else {
          recoverKey(key, tally);
        }
      }
      if (!truncated) {
        return;
      }
      keyMarker = page.nextKeyMarker();
      versionMarker = page.nextVersionIdMarker();
    }
  }

  private ListObjectVersionsResponse listPage(
      String prefix, String listed, String keyMarker, String versionMarker) throws IOException {
    try {
      return client.listObjectVersions(
          b ->
              b.bucket(location.bucket())
                  .prefix(listed.isEmpty() ? null : listed)
                  .maxKeys(pageSize)
                  .keyMarker(keyMarker)
                  .versionIdMarker(versionMarker));
    } catch (SdkException e) {
      throw new IOException(
          "Cannot list the object versions under '"
              + prefix
              + "' in "
              + where
              + ": "
              + S3BlobStore.reason(e),
          e);
    }
  }

  private void recoverKey(Versions versions, Tally tally) {
    String keyPrefix = location.keyPrefix();
    if (versions.data.isEmpty() || !versions.key.startsWith(keyPrefix)) {
      return; // only delete markers: nothing of Cairn's is under them
    }
    String name = versions.key.substring(keyPrefix.length());
    if (!isValidName(name)) {
      return; // not a Cairn object (the create probe, another tool's file)
    }
    tally.examined++;
    try {
      recoverObject(name, versions, tally);
    } catch (SdkException | IOException e) {
      tally.report(name, Kind.UNRECOVERABLE, oneLine(e));
    }
  }

  private void recoverObject(String name, Versions versions, Tally tally)
      throws IOException, SdkException {
    String key = versions.key;
    DataVersion original = versions.data.getLast();
    Comparison comparison = new Comparison(key, original);
    boolean hidden = versions.markers.stream().anyMatch(Marker::latest);
    if (!hidden) {
      DataVersion current =
          versions.data.stream()
              .filter(DataVersion::latest)
              .findFirst()
              .orElse(versions.data.get(0));
      if (comparison.sameAsOriginal(current)) {
        return; // what Cairn wrote is what readers get: leave every version as it is
      }
    }
    List<DataVersion> foreign = new ArrayList<>();
    for (DataVersion newer : versions.data.subList(0, versions.data.size() - 1)) {
      if (!comparison.sameAsOriginal(newer)) {
        foreign.add(newer);
      }
    }
    List<String> done = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    List<DataVersion> remaining = new ArrayList<>(versions.data);
    int versionsDeleted = 0;
    for (DataVersion version : foreign) {
      Optional<String> refusal =
          tally.dryRun ? protection(key, version.id) : deleteVersion(key, version.id);
      if (refusal.isPresent()) {
        kept.add("version " + version.id + " " + refusal.get());
      } else {
        versionsDeleted++;
        remaining.remove(version);
      }
    }
    if (versionsDeleted > 0) {
      done.add(
          (tally.dryRun ? "would delete " : "deleted ") + versionsDeleted + " foreign version(s)");
    }
    int markersDeleted = 0;
    for (Marker marker : versions.markers) {
      Optional<String> refusal = tally.dryRun ? Optional.empty() : deleteVersion(key, marker.id);
      if (refusal.isPresent()) {
        kept.add("delete marker " + marker.id + " " + refusal.get());
      } else {
        markersDeleted++;
      }
    }
    if (markersDeleted > 0) {
      done.add(
          (tally.dryRun ? "would remove " : "removed ") + markersDeleted + " delete marker(s)");
    }
    tally.markers += markersDeleted;
    tally.versions += versionsDeleted;

    boolean originalCurrent;
    if (tally.dryRun) {
      // With every deletable marker and version gone, the newest version left is current.
      originalCurrent =
          markersDeleted == versions.markers.size() && comparison.sameAsOriginal(remaining.get(0));
    } else {
      originalCurrent = currentIsOriginal(key, comparison);
    }
    Kind kind = versionsDeleted > 0 ? Kind.OVERWRITE_REMOVED : Kind.MARKERS_REMOVED;
    if (!originalCurrent) {
      try {
        String copy = tally.dryRun ? null : copyOriginal(key, original);
        done.add(
            tally.dryRun
                ? "would copy the original (version " + original.id + ") on top"
                : "copied the original (version " + original.id + ") on top as version " + copy);
        kind = Kind.ORIGINAL_COPIED;
      } catch (SdkException e) {
        kept.add("the original cannot be copied on top: " + S3BlobStore.reason(e));
        kind = Kind.UNRECOVERABLE;
      }
    }
    if (kind != Kind.UNRECOVERABLE && done.isEmpty()) {
      return; // already current by the time we looked again: someone else recovered it
    }
    List<String> detail = new ArrayList<>(done);
    if (!kept.isEmpty()) {
      detail.add("kept " + String.join(", ", kept));
    }
    tally.report(name, kind, String.join("; ", detail));
  }

  /**
   * Deletes one version (or delete marker) by id: empty when done (or already gone), else why it
   * was refused (its retention, if that is the reason).
   */
  private Optional<String> deleteVersion(String key, String versionId) throws SdkException {
    try {
      client.deleteObject(b -> b.bucket(location.bucket()).key(key).versionId(versionId));
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404 && !isNoSuchBucket(e)) {
        return Optional.empty();
      }
      if (e.statusCode() == 403 || e.statusCode() == 400) {
        Optional<String> protection = protection(key, versionId);
        return Optional.of(protection.orElse("(refused: " + S3BlobStore.reason(e) + ")"));
      }
      throw e;
    }
  }

  /** Why a version cannot be deleted because of Object Lock, or empty if nothing protects it. */
  private Optional<String> protection(String key, String versionId) throws SdkException {
    ObjectLock lock = lockOf(key, versionId);
    List<String> reasons = new ArrayList<>();
    lock.retention()
        .filter(r -> r.protectsAt(clock.instant()))
        .ifPresent(
            r ->
                reasons.add(
                    "retained until "
                        + r.retainUntil()
                        + " in "
                        + r.mode().name().toLowerCase(Locale.ROOT)
                        + " mode"));
    if (lock.legalHold()) {
      reasons.add("under legal hold");
    }
    return reasons.isEmpty()
        ? Optional.empty()
        : Optional.of("(" + String.join(", ", reasons) + ")");
  }

  /** The Object Lock of one version; {@link ObjectLock#NONE} on a bucket without Object Lock. */
  private ObjectLock lockOf(String key, String versionId) throws SdkException {
    Optional<Retention> retention = Optional.empty();
    try {
      ObjectLockRetention found =
          client
              .getObjectRetention(b -> b.bucket(location.bucket()).key(key).versionId(versionId))
              .retention();
      if (found != null && found.modeAsString() != null && found.retainUntilDate() != null) {
        retention =
            Optional.of(
                new Retention(
                    RetentionMode.valueOf(found.modeAsString()), found.retainUntilDate()));
      }
    } catch (S3Exception e) {
      if (!S3BlobStore.isNoLockConfiguration(e)) {
        throw e;
      }
    }
    boolean legalHold = false;
    try {
      legalHold =
          client
                  .getObjectLegalHold(
                      b -> b.bucket(location.bucket()).key(key).versionId(versionId))
                  .legalHold()
                  .status()
              == ObjectLockLegalHoldStatus.ON;
    } catch (S3Exception e) {
      if (!S3BlobStore.isNoLockConfiguration(e)) {
        throw e;
      }
    }
    return new ObjectLock(retention, legalHold);
  }

  /** Whether the key's current version, asked of the server now, has the original's content. */
  private boolean currentIsOriginal(String key, Comparison comparison) throws IOException {
    HeadObjectResponse head;
    try {
      head = client.headObject(b -> b.bucket(location.bucket()).key(key));
    } catch (S3Exception e) {
      if (e.statusCode() == 404 && !isNoSuchBucket(e)) {
        return false; // a delete marker that could not be removed is still current
      }
      throw e;
    }
    return comparison.sameAsOriginal(
        new DataVersion(
            head.versionId(),
            unquoted(head.eTag()),
            head.contentLength() == null ? -1 : head.contentLength(),
            true,
            head.storageClassAsString()));
  }

  /**
   * Copies {@code original} onto its own key, as a new current version with the original's
   * retention (when it has not ended: a date in the past is refused), legal hold and storage class;
   * returns the new version's id. Servers that ignore the lock headers of a copy (Ceph RGW 16 does
   * so for multipart uploads) get the lock set on the new version right after.
   */
  private String copyOriginal(String key, DataVersion original) throws SdkException {
    ObjectLock lock = lockOf(key, original.id);
    Optional<Retention> retention = lock.retention().filter(r -> r.protectsAt(clock.instant()));
    CopyObjectRequest.Builder copy =
        CopyObjectRequest.builder()
            .sourceBucket(location.bucket())
            .sourceKey(key)
            .sourceVersionId(original.id)
            .destinationBucket(location.bucket())
            .destinationKey(key);
    retention.ifPresent(
        r -> copy.objectLockMode(r.mode().name()).objectLockRetainUntilDate(r.retainUntil()));
    if (lock.legalHold()) {
      copy.objectLockLegalHoldStatus(ObjectLockLegalHoldStatus.ON);
    }
    if (original.storageClass != null
        && !original.storageClass.isEmpty()
        && !"STANDARD".equals(original.storageClass)) {
      copy.storageClass(original.storageClass);
    }
    String answered = client.copyObject(copy.build()).versionId();
    // Ceph RGW 16 does not say which version a copy made: the current one is it.
    String copied =
        answered == null || answered.isEmpty()
            ? client.headObject(b -> b.bucket(location.bucket()).key(key)).versionId()
            : answered;
    ObjectLock applied = lockOf(key, copied);
    if (retention.isPresent() && !applied.retention().equals(retention)) {
      Retention r = retention.get();
      client.putObjectRetention(
          b ->
              b.bucket(location.bucket())
                  .key(key)
                  .versionId(copied)
                  .retention(l -> l.mode(r.mode().name()).retainUntilDate(r.retainUntil())));
    }
    if (lock.legalHold() && !applied.legalHold()) {
      client.putObjectLegalHold(
          b ->
              b.bucket(location.bucket())
                  .key(key)
                  .versionId(copied)
                  .legalHold(h -> h.status(ObjectLockLegalHoldStatus.ON)));
    }
    return copied;
  }

  /** Decides whether versions of one key have the original's content, reading only when needed. */
  private final class Comparison {
    private final String key;
    private final DataVersion original;
    private byte[] originalDigest;

    Comparison(String key, DataVersion original) {
      this.key = key;
      this.original = original;
    }

    boolean sameAsOriginal(DataVersion version) throws IOException {
      if (version.id != null && version.id.equals(original.id)) {
        return true;
      }
      if (version.size != original.size) {
        return false;
      }
      if (version.etag != null && version.etag.equals(original.etag)) {
        return true;
      }
      // Same size, ETags computed differently (multipart, encryption): compare the content.
      if (originalDigest == null) {
        originalDigest = digest(original.id);
      }
      return Arrays.equals(digest(version.id), originalDigest);
    }

    private byte[] digest(String versionId) throws IOException {
      try (InputStream in =
          client.getObject(b -> b.bucket(location.bucket()).key(key).versionId(versionId))) {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        for (int read; (read = in.read(buffer)) != -1; ) {
          sha256.update(buffer, 0, read);
        }
        return sha256.digest();
      } catch (SdkException e) {
        throw new IOException(
            "Cannot compare version " + versionId + " with the original: " + S3BlobStore.reason(e),
            e);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
      }
    }
  }

  /** Counts, and the objects handed to the caller as they are decided. */
  private final class Tally {
    final boolean dryRun;
    final Consumer<RecoveredObject> recovered;
    long examined;
    long markersRemoved;
    long overwritesRemoved;
    long originalsCopied;
    long unrecoverable;
    long markers;
    long versions;

    Tally(boolean dryRun, Consumer<RecoveredObject> recovered) {
      this.dryRun = dryRun;
      this.recovered = recovered;
    }

    void report(String name, Kind kind, String detail) {
      switch (kind) {
        case MARKERS_REMOVED -> markersRemoved++;
        case OVERWRITE_REMOVED -> overwritesRemoved++;
        case ORIGINAL_COPIED -> originalsCopied++;
        case UNRECOVERABLE -> unrecoverable++;
      }
      recovered.accept(new RecoveredObject(name, kind, detail));
    }

    VersionRecovery result() {
      return new VersionRecovery(
          where,
          true,
          dryRun,
          examined,
          markersRemoved,
          overwritesRemoved,
          originalsCopied,
          unrecoverable,
          markers,
          versions);
    }
  }

  /** All versions of one key seen so far: data versions newest first, then its delete markers. */
  private static final class Versions {
    final String key;
    final List<DataVersion> data = new ArrayList<>();
    final List<Marker> markers = new ArrayList<>();

    Versions(String key) {
      this.key = key;
    }

    void append(Versions older) {
      data.addAll(older.data);
      markers.addAll(older.markers);
    }
  }

  private record DataVersion(
      String id, String etag, long size, boolean latest, String storageClass) {}

  private record Marker(String id, boolean latest) {}

  private static String unquoted(String etag) {
    return etag == null ? null : etag.replace("\"", "");
  }

  private static boolean isNoSuchBucket(S3Exception e) {
    return e.awsErrorDetails() != null && "NoSuchBucket".equals(e.awsErrorDetails().errorCode());
  }

  private static boolean isValidName(String name) {
    try {
      ObjectNames.requireValid(name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String oneLine(Exception e) {
    String message =
        e instanceof SdkException sdk
            ? S3BlobStore.reason(sdk)
            : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
