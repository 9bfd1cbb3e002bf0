package dev.cairn.storage.s3;

import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.ObjectLockedException;
import dev.cairn.storage.ObjectNames;
import dev.cairn.storage.RecoveredObject;
import dev.cairn.storage.Retention;
import dev.cairn.storage.RetentionMode;
import dev.cairn.storage.VersionRecovery;
import dev.cairn.storage.VersionedBlobStore;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRetentionResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.ObjectLockLegalHoldStatus;
import software.amazon.awssdk.services.s3.model.ObjectLockRetention;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A {@link dev.cairn.storage.BlobStore} in an S3 bucket, optionally under a key prefix, on AWS S3
 * or an S3-compatible server, with Object Lock ({@link ImmutableStore}) and storage classes ({@link
 * TieredStore}, which makes it the storage SPI's {@link dev.cairn.storage.ArchivingBlobStore}: S3
 * Glacier as the archive tier; a read of an unrestored GLACIER or DEEP_ARCHIVE object, answered 403
 * InvalidObjectState, fails with {@link ArchivedObjectException}).
 *
 * <p>Object {@code NAME} is the key {@code PREFIX/NAME}. Creates are exclusive as {@link
 * #createGuarantee()} says; objects up to {@link S3Tuning#multipartThreshold()} go up in one
 * request, larger ones in parts of {@link S3Tuning#partSize()}, a bounded number at once, and an
 * upload that fails is aborted so that no parts are left billed. Throttling (503 SlowDown), 5xx
 * answers and broken connections are retried with exponential backoff by the SDK's standard retry
 * strategy; when the attempts are spent the error says so. A request refused because this machine's
 * clock is off (403 RequestTimeTooSkewed) is retried by the SDK with its clock corrected from the
 * answer's {@code Date}; if that does not help, the error says the clock is off and by how much
 * ({@code ClockSkew}). Keys in the bucket that are not valid object names (other tools' files, the
 * create probe) are not listed.
 *
 * <p>Thread-safe; one instance holds one connection pool, released by {@link #close()}.
 */
public final class S3BlobStore implements ImmutableStore, TieredStore, VersionedBlobStore {

  /**
   * How a create is made exclusive, so that two writers can never destroy each other's objects.
   * Found by {@link #open} with a probe object ({@code PREFIX/.cairn-create-probe}, empty, kept),
   * unless {@link S3Tuning#createGuarantee()} names it.
   */
  public enum CreateGuarantee {
    /**
     * The server refuses a put or multipart completion with 412 when the key exists ({@code
     * If-None-Match: *}): exactly one of racing creates wins. AWS S3 (since 2024), Ceph RGW for
     * single-request puts, S3Mock.
     */
    IF_NONE_MATCH,
    /**
     * The server ignores or rejects {@code If-None-Match} but the bucket keeps every version: a
     * HEAD precedes the write. Two creates racing within that round trip can both succeed; then
     * readers see the later one and the earlier stays in the bucket's version history, so no data
     * is lost.
     */
    HEAD_THEN_PUT_VERSIONED,
    /**
     * Neither: the store refuses to create objects (it can still read, list and delete), because a
     * create could silently replace an existing object. Enabling versioning on the bucket fixes it.
     */
    NONE
  }

  /**
   * Environment variable that chooses where {@link #archive} moves objects: {@code GLACIER} (S3
   * Glacier Flexible Retrieval, the default: 90 days minimum, restores in minutes to hours) or
   * {@code DEEP_ARCHIVE} (about a quarter of the price, 180 days minimum, restores within 12
   * hours).
   */
  public static final String ARCHIVE_CLASS_VARIABLE = "CAIRN_S3_ARCHIVE_CLASS";

  private static final System.Logger LOG = System.getLogger(S3BlobStore.class.getName());
  private static final String PROBE_NAME = ".cairn-create-probe";
  private static final String OCTET_STREAM = "application/octet-stream";

  private final S3Client client;
  private final S3Location location;
  private final String where;
  private final S3Tuning tuning;
  private final CreateGuarantee guarantee;
  private final StorageClass archiveClass;
  private final Clock clock;

  /**
   * Set once AWS has refused an Expedited retrieval for lack of capacity: later ones ask Standard.
   */
  private final AtomicBoolean expeditedRefused = new AtomicBoolean();

  /**
   * Keys being created by this store, each with a latch opened when its create ends. Creates of one
   * key in one process take turns, so the server's exclusivity check never sees them race: some
   * servers (S3Mock) check If-None-Match and write in two steps.
   */
  private final ConcurrentHashMap<String, CountDownLatch> creating = new ConcurrentHashMap<>();

  private S3BlobStore(
      S3Client client,
      S3Location location,
      S3Tuning tuning,
      CreateGuarantee guarantee,
      StorageClass archiveClass,
      Clock clock) {
    this.client = client;
    this.location = location;
    this.where = location.toString();
    this.tuning = tuning;
    this.guarantee = guarantee;
    this.archiveClass = archiveClass;
    this.clock = clock;
  }

  /**
   * Connects to {@code location} with credentials and settings from {@code environment} ({@code
   * AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}, {@code
   * AWS_REGION}, {@code AWS_PROFILE}; else the SDK's default chain: profiles, container and
   * instance roles), checks that the bucket exists (creating it if {@code createBucket}) and finds
   * the create guarantee. {@value #ARCHIVE_CLASS_VARIABLE} chooses the {@link #archiveClass()}.
   *
   * @throws IllegalArgumentException if {@value #ARCHIVE_CLASS_VARIABLE} names another class
   * @throws IOException "Cannot open repository LOCATION: ..." when the bucket is missing, access
   *     is denied or the server cannot be reached
   */
  public static S3BlobStore open(
      S3Location location, Map<String, String> environment, S3Tuning tuning, boolean createBucket)
      throws IOException {
    StorageClass archiveClass = archiveClass(location, environment);
    S3Client client = newClient(location, environment, tuning);
    try {
      checkBucket(client, location, createBucket);
      CreateGuarantee guarantee =
          tuning.createGuarantee().isPresent()
              ? tuning.createGuarantee().get()
              : probeCreateGuarantee(client, location);
      return new S3BlobStore(client, location, tuning, guarantee, archiveClass, Clock.systemUTC());
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** A store on an already built client, which it closes; for tests that fake the server. */
  static S3BlobStore onClient(
      S3Client client, S3Location location, S3Tuning tuning, CreateGuarantee guarantee) {
    return onClient(client, location, tuning, guarantee, StorageClass.GLACIER, Clock.systemUTC());
  }

  /** A store on an already built client that archives to {@code archiveClass}; for tests. */
  static S3BlobStore onClient(
      S3Client client,
      S3Location location,
      S3Tuning tuning,
      CreateGuarantee guarantee,
      StorageClass archiveClass,
      Clock clock) {
    return new S3BlobStore(client, location, tuning, guarantee, archiveClass, clock);
  }

  /** How creates are made exclusive on this bucket. */
  public CreateGuarantee createGuarantee() {
    return guarantee;
  }

  // ---- BlobStore ------------------------------------------------------------------------------

  @Override
  public void create(String name, byte[] content) throws IOException {
    create(name, ByteBuffer.wrap(content), ObjectLock.NONE, Optional.empty());
  }

  @Override
  public void create(String name, ByteBuffer content) throws IOException {
    create(name, content, ObjectLock.NONE, Optional.empty());
  }

  @Override
  public void create(String name, byte[] content, ObjectLock lock) throws IOException {
    create(name, ByteBuffer.wrap(content), lock, Optional.empty());
  }

  @Override
  public void create(String name, byte[] content, StorageClass storageClass) throws IOException {
    create(name, ByteBuffer.wrap(content), ObjectLock.NONE, Optional.of(storageClass));
  }

  /**
   * Creates {@code name} with the remaining bytes of {@code content}, locked as {@code lock} says
   * and in {@code storageClass} (the bucket's default if empty); the guarantees of {@link
   * #create(String, byte[])}. The buffer's position is not changed.
   */
  public void create(
      String name, ByteBuffer content, ObjectLock lock, Optional<StorageClass> storageClass)
      throws IOException {
    String key = location.key(ObjectNames.requireValid(name));
    if (guarantee == CreateGuarantee.NONE) {
      throw new IOException(
          "Cannot create object "
              + name
              + " in "
              + where
              + ": the server does not enforce If-None-Match and bucket "
              + location.bucket()
              + " is not versioned, so a create could replace an object; enable versioning");
    }
    ByteBuffer data = content.slice();
    CountDownLatch mine = new CountDownLatch(1);
    for (CountDownLatch other; (other = creating.putIfAbsent(key, mine)) != null; ) {
      try {
        other.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(
            "Cannot create object " + name + " in " + where + ": interrupted");
      }
    }
    try {
      if (data.remaining() > tuning.multipartThreshold()) {
        createInParts(name, key, data, lock, storageClass);
      } else {
        createInOneRequest(name, key, data, lock, storageClass);
      }
    } finally {
      creating.remove(key, mine);
      mine.countDown();
    }
  }

  private void createInOneRequest(
      String name,
      String key,
      ByteBuffer data,
      ObjectLock lock,
      Optional<StorageClass> storageClass)
      throws IOException {
    if (guarantee == CreateGuarantee.HEAD_THEN_PUT_VERSIONED && exists(name, key)) {
      throw new ObjectExistsException(name, where);
    }
    PutObjectRequest.Builder put =
        PutObjectRequest.builder()
            .bucket(location.bucket())
            .key(key)
            .contentLength((long) data.remaining());
    if (guarantee == CreateGuarantee.IF_NONE_MATCH) {
      put.ifNoneMatch("*");
    }
    if (tuning.contentMd5()) {
      put.contentMD5(md5(data));
    }
    lock.retention()
        .ifPresent(
            r -> put.objectLockMode(r.mode().name()).objectLockRetainUntilDate(r.retainUntil()));
    if (lock.legalHold()) {
      put.objectLockLegalHoldStatus(ObjectLockLegalHoldStatus.ON);
    }
    storageClass.ifPresent(c -> put.storageClass(c.name()));
    try {
      client.putObject(put.build(), body(data));
    } catch (S3Exception e) {
      if (e.statusCode() == 412) {
        throw new ObjectExistsException(name, where);
      }
      throw failure("create", name, e);
    } catch (SdkException e) {
      throw failure("create", name, e);
    }
  }

  @Override
  public byte[] read(String name) throws IOException {
    String key = location.key(ObjectNames.requireValid(name));
    try {
      return client.getObjectAsBytes(b -> b.bucket(location.bucket()).key(key)).asByteArrayUnsafe();
    } catch (S3Exception e) {
      throw readFailure(name, e);
    } catch (SdkException e) {
      throw failure("read", name, e);
    }
  }

  @Override
  public byte[] readRange(String name, long offset, int length) throws IOException {
    String key = location.key(ObjectNames.requireValid(name));
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException(
          "Cannot read object " + name + " in " + where + ": negative offset or length");
    }
    if (length == 0 || offset > Long.MAX_VALUE - length) {
      // No HTTP range expresses these: ask for the size instead.
      long size = stat(name).orElseThrow(() -> new NoSuchObjectException(name, where)).size();
      if (length == 0 && offset <= size) {
        return new byte[0];
      }
      throw pastTheEnd(name, offset, length, size);
    }
    String range = "bytes=" + offset + "-" + (offset + length - 1);
    byte[] bytes;
    try {
      bytes =
          client
              .getObjectAsBytes(b -> b.bucket(location.bucket()).key(key).range(range))
              .asByteArrayUnsafe();
    } catch (S3Exception e) {
      if (e.statusCode() == 416) {
        throw pastTheEnd(name, offset, length, -1);
      }
      throw readFailure(name, e);
    } catch (SdkException e) {
      throw failure("read", name, e);
    }
    if (bytes.length < length) {
      throw pastTheEnd(name, offset, length, -1);
    }
    if (bytes.length > length) {
      throw new IOException(
          "Cannot read object "
              + name
              + " in "
              + where
              + ": asked for "
              + length
              + " bytes, the server sent "
              + bytes.length
              + " (does it support ranges?)");
    }
    return bytes;
  }

  @Override
  public void list(String prefix, Consumer<ObjectInfo> consumer) throws IOException {
    ObjectNames.requireValidPrefix(prefix);
    String keyPrefix = location.keyPrefix();
    String listed = keyPrefix + prefix;
    String token = null;
    do {
      String continuation = token;
      ListObjectsV2Response page;
      try {
        page =
            client.listObjectsV2(
                b ->
                    b.bucket(location.bucket())
                        .prefix(listed.isEmpty() ? null : listed)
                        .maxKeys(tuning.listPageSize())
                        .continuationToken(continuation));
      } catch (SdkException e) {
        throw new IOException(
            "Cannot list objects under '" + prefix + "' in " + where + ": " + reason(e), e);
      }
      for (S3Object object : page.contents()) {
        String key = object.key();
        if (key.startsWith(keyPrefix)) {
          String name = key.substring(keyPrefix.length());
          if (isValidName(name)) {
            consumer.accept(new ObjectInfo(name, object.size()));
          }
        }
      }
      token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
    } while (token != null);
  }

  @Override
  public Optional<ObjectInfo> stat(String name) throws IOException {
    String key = location.key(ObjectNames.requireValid(name));
    return head(name, key).map(h -> new ObjectInfo(name, h.contentLength()));
  }

  /**
   * {@inheritDoc}
   *
   * <p>On a versioned bucket (every bucket with Object Lock is one) this deletes the current
   * version by its id: the data is gone rather than hidden under a delete marker, and a locked
   * version is refused by the server with {@link ObjectLockedException}. One HEAD more per delete.
   */
  @Override
  public void delete(String name) throws IOException {
    String key = location.key(ObjectNames.requireValid(name));
    String version = head(name, key).map(HeadObjectResponse::versionId).orElse(null);
    boolean versioned = version != null && !version.isEmpty() && !"null".equals(version);
    try {
      client.deleteObject(
          b -> b.bucket(location.bucket()).key(key).versionId(versioned ? version : null));
    } catch (S3Exception e) {
      if (versioned && e.statusCode() == 403) {
        throw lockedOr(name, e);
      }
      if (e.statusCode() != 404 || isNoSuchBucket(e)) {
        throw failure("delete", name, e);
      }
    } catch (SdkException e) {
      throw failure("delete", name, e);
    }
  }

  /** A refused version delete: locked if the object says so, else the plain failure. */
  private IOException lockedOr(String name, S3Exception refused) {
    ObjectLock lock;
    try {
      lock = lock(name);
    } catch (IOException e) {
      return failure("delete", name, refused);
    }
    if (lock.legalHold()) {
      return new ObjectLockedException("delete", name, where, "it is under legal hold");
    }
    if (lock.retention().isPresent()) {
      Retention retention = lock.retention().get();
      return new ObjectLockedException(
          "delete",
          name,
          where,
          "it is retained until "
              + retention.retainUntil()
              + " ("
              + retention.mode().name().toLowerCase(java.util.Locale.ROOT)
              + " mode)");
    }
    return failure("delete", name, refused);
  }

  @Override
  public String location() {
    return where;
  }

  @Override
  public void close() {
    client.close();
  }

  // ---- ImmutableStore -------------------------------------------------------------------------

  @Override
  public ObjectLock lock(String name) throws IOException {
    String key = location.key(ObjectNames.requireValid(name));
    if (head(name, key).isEmpty()) {
      throw new NoSuchObjectException(name, where);
    }
    Optional<Retention> retention = Optional.empty();
    boolean legalHold = false;
    try {
      GetObjectRetentionResponse response =
          client.getObjectRetention(b -> b.bucket(location.bucket()).key(key));
      ObjectLockRetention found = response.retention();
      if (found != null && found.modeAsString() != null && found.retainUntilDate() != null) {
        retention =
            Optional.of(
                new Retention(
                    RetentionMode.valueOf(found.modeAsString()), found.retainUntilDate()));
      }
    } catch (S3Exception e) {
      if (!isNoLockConfiguration(e)) {
        throw failure("read the lock of", name, e);
      }
    } catch (SdkException e) {
      throw failure("read the lock of", name, e);
    }
    try {
      legalHold =
          client.getObjectLegalHold(b -> b.bucket(location.bucket()).key(key)).legalHold().status()
              == ObjectLockLegalHoldStatus.ON;
    } catch (S3Exception e) {
      if (!isNoLockConfiguration(e)) {
        throw failure("read the legal hold of", name, e);
      }
    } catch (SdkException e) {
      throw failure("read the legal hold of", name, e);
    }
    return new ObjectLock(retention, legalHold);
  }

  @Override
  public void createRetained(String name, byte[] content, Retention retention) throws IOException {
    create(name, ByteBuffer.wrap(content), ObjectLock.retainedBy(retention), Optional.empty());
  }

  @Override
  public void createRetained(String name, ByteBuffer content, Retention retention)
      throws IOException {
    create(name, content, ObjectLock.retainedBy(retention), Optional.empty());
  }

  @Override
  public Optional<Retention> retention(String name) throws IOException {
    return lock(name).retention();
  }

  @Override
  public void extendRetention(String name, Retention retention) throws IOException {
    String key = location.key(ObjectNames.requireValid(name));
    Optional<Retention> current = lock(name).retention();
    if (current.isPresent() && !retention.retainUntil().isAfter(current.get().retainUntil())) {
      return; // never shorten: already retained at least that long
    }
    // The server refuses to turn a compliance retention into a governance one: keep the mode.
    RetentionMode mode = current.map(Retention::mode).orElse(retention.mode());
    try {
      client.putObjectRetention(
          b ->
              b.bucket(location.bucket())
                  .key(key)
                  .retention(r -> r.mode(mode.name()).retainUntilDate(retention.retainUntil())));
    } catch (SdkException e) {
      throw failure("extend the retention of", name, e);
    }
  }

  @Override
  public void setLegalHold(String name, boolean legalHold) throws IOException {
    String key = location.key(ObjectNames.requireValid(name));
    if (head(name, key).isEmpty()) {
      throw new NoSuchObjectException(name, where);
    }
    ObjectLockLegalHoldStatus status =
        legalHold ? ObjectLockLegalHoldStatus.ON : ObjectLockLegalHoldStatus.OFF;
    try {
      client.putObjectLegalHold(
          b -> b.bucket(location.bucket()).key(key).legalHold(h -> h.status(status)));
    } catch (SdkException e) {
      throw failure("set the legal hold of", name, e);
    }
  }

  // ---- VersionedBlobStore ---------------------------------------------------------------------

  /** {@inheritDoc} See {@code S3VersionRecovery} for how, on S3. */
  @Override
  public VersionRecovery recoverOriginals(
      List<String> prefixes, boolean dryRun, Consumer<RecoveredObject> recovered)
      throws IOException {
    return new S3VersionRecovery(client, location, tuning.listPageSize(), Clock.systemUTC())
        .run(prefixes, dryRun, recovered);
  }

  // ---- TieredStore ----------------------------------------------------------------------------

  @Override
  public StorageClass storageClass(String name) throws IOException {
    return objectClass(name).storageClass();
  }

  @Override
  public ObjectClass objectClass(String name) throws IOException {
    String key = location.key(ObjectNames.requireValid(name));
    HeadObjectResponse head =
        head(name, key).orElseThrow(() -> new NoSuchObjectException(name, where));
    return ObjectClass.of(head.storageClassAsString(), head.restore());
  }

  /**
   * GLACIER, unless {@value #ARCHIVE_CLASS_VARIABLE} said DEEP_ARCHIVE when the store was opened.
   */
  @Override
  public StorageClass archiveClass() {
    return archiveClass;
  }

  /**
   * {@inheritDoc}
   *
   * <p>One CopyObject of the version a HEAD just found (by its id on a versioned bucket) onto the
   * same key, with {@code x-amz-storage-class}, {@code x-amz-metadata-directive: COPY} and, on a
   * versioned bucket, the Object Lock of the version copied ({@code x-amz-object-lock-mode}, {@code
   * -retain-until-date}, {@code -legal-hold}, read with GetObjectRetention and GetObjectLegalHold):
   * S3 does not copy Object Lock settings, and a copy without them would be a current version
   * nobody protects. A retention that has already ended is not carried (S3 refuses past dates). The
   * superseded version is deleted by its id only when neither a retention nor a legal hold protects
   * it; if that delete fails, the copy still counts and a warning names the version.
   */
  @Override
  public void changeStorageClass(String name, StorageClass target) throws IOException {
    String key = location.key(ObjectNames.requireValid(name));
    HeadObjectResponse head =
        head(name, key).orElseThrow(() -> new NoSuchObjectException(name, where));
    ObjectClass current = ObjectClass.of(head.storageClassAsString(), head.restore());
    if (current.storageClass().equals(target)) {
      return;
    }
    String action = "move object " + name + " in " + where + " to storage class " + target;
    if (!current.readable()) {
      throw new IOException(
          "Cannot "
              + action
              + ": it is in "
              + current.storageClass()
              + " without a restored copy; rehydrate it first");
    }
    String version = versionOf(head);
    ObjectLock lock = version == null ? ObjectLock.NONE : lock(name);
    Optional<Retention> carried = lock.retention().filter(r -> r.protectsAt(clock.instant()));
    CopyObjectRequest.Builder copy =
        CopyObjectRequest.builder()
            .sourceBucket(location.bucket())
            .sourceKey(key)
            .sourceVersionId(version)
            .destinationBucket(location.bucket())
            .destinationKey(key)
            .storageClass(target.name())
            .metadataDirective(MetadataDirective.COPY);
    carried.ifPresent(
        r -> copy.objectLockMode(r.mode().name()).objectLockRetainUntilDate(r.retainUntil()));
    if (lock.legalHold()) {
      copy.objectLockLegalHoldStatus(ObjectLockLegalHoldStatus.ON);
    }
    String copied;
    try {
      copied = client.copyObject(copy.build()).versionId();
    } catch (S3Exception e) {
      if (e.statusCode() == 404 && !isNoSuchBucket(e)) {
        throw new NoSuchObjectException(name, where);
      }
      if (isInvalidObjectState(e)) {
        throw new IOException(
            "Cannot " + action + ": its restored copy is gone (expired); rehydrate it again", e);
      }
      throw new IOException("Cannot " + action + ": " + reason(e), e);
    } catch (SdkException e) {
      throw new IOException("Cannot " + action + ": " + reason(e), e);
    }
    // Only a version the server confirms was replaced by another one is deleted: the new version
    // holds the same bytes, and the old one would otherwise be billed in its old class.
    if (version != null
        && carried.isEmpty()
        && !lock.legalHold()
        && copied != null
        && !copied.equals(version)) {
      deleteSuperseded(name, key, version, current.storageClass());
    }
  }

  private void deleteSuperseded(String name, String key, String version, StorageClass oldClass) {
    try {
      client.deleteObject(b -> b.bucket(location.bucket()).key(key).versionId(version));
    } catch (S3Exception e) {
      if (e.statusCode() != 404 || isNoSuchBucket(e)) {
        warnSuperseded(name, version, oldClass, reason(e));
      }
    } catch (SdkException e) {
      warnSuperseded(name, version, oldClass, reason(e));
    }
  }

  private void warnSuperseded(String name, String version, StorageClass oldClass, String reason) {
    LOG.log(
        System.Logger.Level.WARNING,
        "Cannot delete version {0} of object {1} in {2}, superseded by a copy in another storage"
            + " class: {3}; it stays billed in {4} until a lifecycle rule for noncurrent versions"
            + " removes it",
        version,
        name,
        where,
        reason,
        oldClass);
  }

  /**
   * {@inheritDoc}
   *
   * <p>RestoreObject with {@code <Days>} and {@code <GlacierJobParameters><Tier>}. Already in
   * progress (409 RestoreAlreadyInProgress) and already restored (200, which only moves the copy's
   * expiry) count as done, and so does an object that is no longer in an offline class (403
   * InvalidObjectState). When AWS has no capacity for an Expedited retrieval (503
   * GlacierExpeditedRetrievalNotAvailable, after the retries), the restore is asked at Standard,
   * with a warning, and so are the later Expedited ones of this store.
   */
  @Override
  public void restore(String name, int days, RetrievalTier tier) throws IOException {
    if (days < 1) {
      throw new IllegalArgumentException(
          "Cannot restore object " + name + " in " + where + ": days must be at least 1: " + days);
    }
    String key = location.key(ObjectNames.requireValid(name));
    RetrievalTier asked =
        tier == RetrievalTier.EXPEDITED && expeditedRefused.get() ? RetrievalTier.STANDARD : tier;
    try {
      client.restoreObject(
          b ->
              b.bucket(location.bucket())
                  .key(key)
                  .restoreRequest(
                      r -> r.days(days).glacierJobParameters(g -> g.tier(asked.serviceName()))));
    } catch (S3Exception e) {
      String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
      if (e.statusCode() == 409 && "RestoreAlreadyInProgress".equals(code)) {
        return;
      }
      if (isInvalidObjectState(e)) {
        return; // not in an offline class (any more): nothing to restore
      }
      if (asked == RetrievalTier.EXPEDITED
          && "GlacierExpeditedRetrievalNotAvailable".equals(code)) {
        if (expeditedRefused.compareAndSet(false, true)) {
          LOG.log(
              System.Logger.Level.WARNING,
              "AWS has no capacity for Expedited retrievals now (503 {0}); restoring from {1} at"
                  + " Standard instead (3 to 5 hours)",
              code,
              where);
        }
        restore(name, days, RetrievalTier.STANDARD);
        return;
      }
      if (e.statusCode() == 404 && !isNoSuchBucket(e)) {
        throw new NoSuchObjectException(name, where);
      }
      throw failure("restore", name, e);
    } catch (SdkException e) {
      throw failure("restore", name, e);
    }
  }

  /** A read refused because the object is archived, naming whether a restore is under way. */
  private IOException archivedFailure(String name) {
    boolean rehydrating = false;
    try {
      rehydrating = objectClass(name).restore() == ObjectClass.Restore.IN_PROGRESS;
    } catch (IOException e) {
      // The read failed anyway; without the HEAD the message says "rehydrate first".
    }
    return new ArchivedObjectException(name, where, rehydrating);
  }

  /** The version id of a versioned object, null on unversioned (or suspended) buckets. */
  private static String versionOf(HeadObjectResponse head) {
    String version = head.versionId();
    return version == null || version.isEmpty() || "null".equals(version) ? null : version;
  }

  private static boolean isInvalidObjectState(S3Exception e) {
    return e.statusCode() == 403
        && e.awsErrorDetails() != null
        && "InvalidObjectState".equals(e.awsErrorDetails().errorCode());
  }

  /**
   * The archive class {@value #ARCHIVE_CLASS_VARIABLE} names (case and '-' or '_' free): GLACIER
   * when unset.
   */
  static StorageClass archiveClass(S3Location location, Map<String, String> environment) {
    String value = nonBlank(environment.get(ARCHIVE_CLASS_VARIABLE));
    if (value == null) {
      return StorageClass.GLACIER;
    }
    String normalized = value.strip().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    if (normalized.equals("GLACIER") || normalized.equals("DEEP_ARCHIVE")) {
      return StorageClass.of(normalized);
    }
    throw new IllegalArgumentException(
        "Cannot open repository "
            + location
            + ": "
            + ARCHIVE_CLASS_VARIABLE
            + " must be GLACIER or DEEP_ARCHIVE, not '"
            + value
            + "'");
  }

  // ---- multipart ------------------------------------------------------------------------------

  private void createInParts(
      String name,
      String key,
      ByteBuffer data,
      ObjectLock lock,
      Optional<StorageClass> storageClass)
      throws IOException {
    // Whatever the guarantee, do not upload megabytes only to be refused at completion.
    if (exists(name, key)) {
      throw new ObjectExistsException(name, where);
    }
    CreateMultipartUploadRequest.Builder start =
        CreateMultipartUploadRequest.builder().bucket(location.bucket()).key(key);
    lock.retention()
        .ifPresent(
            r -> start.objectLockMode(r.mode().name()).objectLockRetainUntilDate(r.retainUntil()));
    if (lock.legalHold()) {
      start.objectLockLegalHoldStatus(ObjectLockLegalHoldStatus.ON);
    }
    storageClass.ifPresent(c -> start.storageClass(c.name()));
    String uploadId;
    try {
      uploadId = client.createMultipartUpload(start.build()).uploadId();
    } catch (SdkException e) {
      throw failure("create", name, e);
    }
    try {
      List<CompletedPart> parts = uploadParts(name, key, uploadId, data);
      if (guarantee == CreateGuarantee.HEAD_THEN_PUT_VERSIONED && exists(name, key)) {
        throw new ObjectExistsException(name, where);
      }
      try {
        client.completeMultipartUpload(
            b -> {
              b.bucket(location.bucket())
                  .key(key)
                  .uploadId(uploadId)
                  .multipartUpload(m -> m.parts(parts));
              if (guarantee == CreateGuarantee.IF_NONE_MATCH) {
                b.ifNoneMatch("*");
              }
            });
      } catch (S3Exception e) {
        if (e.statusCode() == 412) {
          throw new ObjectExistsException(name, where);
        }
        throw failure("create", name, e);
      } catch (SdkException e) {
        throw failure("create", name, e);
      }
    } catch (IOException | RuntimeException | Error e) {
      abort(name, key, uploadId, e);
      throw e;
    }
    if (!lock.equals(ObjectLock.NONE)) {
      ensureLocked(name, key, lock);
    }
  }

  /**
   * Some servers (Ceph RGW 16) ignore the lock headers of CreateMultipartUpload: check the
   * completed object and lock it now if they did. Until then the object is unprotected.
   */
  private void ensureLocked(String name, String key, ObjectLock lock) throws IOException {
    ObjectLock applied = lock(name);
    if (lock.retention().isPresent() && !applied.retention().equals(lock.retention())) {
      Retention retention = lock.retention().get();
      try {
        client.putObjectRetention(
            b ->
                b.bucket(location.bucket())
                    .key(key)
                    .retention(
                        r ->
                            r.mode(retention.mode().name())
                                .retainUntilDate(retention.retainUntil())));
      } catch (SdkException e) {
        throw failure("lock", name, e);
      }
    }
    if (lock.legalHold() && !applied.legalHold()) {
      setLegalHold(name, true);
    }
  }

  private List<CompletedPart> uploadParts(String name, String key, String uploadId, ByteBuffer data)
      throws IOException {
    int partSize = tuning.partSize();
    int count = (int) ((data.remaining() + (long) partSize - 1) / partSize);
    List<Future<CompletedPart>> uploads = new ArrayList<>(count);
    try (ExecutorService pool =
        Executors.newFixedThreadPool(
            tuning.partConcurrency(), Thread.ofVirtual().name("s3-part-", 1).factory())) {
      for (int index = 0; index < count; index++) {
        int number = index + 1;
        int offset = index * partSize;
        ByteBuffer part = data.slice(offset, Math.min(partSize, data.remaining() - offset));
        uploads.add(pool.submit(() -> uploadPart(name, key, uploadId, number, part)));
      }
      List<CompletedPart> parts = new ArrayList<>(count);
      for (Future<CompletedPart> upload : uploads) {
        try {
          parts.add(upload.get());
        } catch (ExecutionException e) {
          pool.shutdownNow();
          if (e.getCause() instanceof IOException io) {
            throw io;
          }
          throw new IOException(
              "Cannot create object " + name + " in " + where + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
          pool.shutdownNow();
          Thread.currentThread().interrupt();
          throw new InterruptedIOException(
              "Cannot create object " + name + " in " + where + ": interrupted");
        }
      }
      return parts;
    }
  }

  private CompletedPart uploadPart(
      String name, String key, String uploadId, int number, ByteBuffer part) throws IOException {
    try {
      String md5 = tuning.contentMd5() ? md5(part) : null;
      String etag =
          client
              .uploadPart(
                  b ->
                      b.bucket(location.bucket())
                          .key(key)
                          .uploadId(uploadId)
                          .partNumber(number)
                          .contentLength((long) part.remaining())
                          .contentMD5(md5),
                  body(part))
              .eTag();
      return CompletedPart.builder().partNumber(number).eTag(etag).build();
    } catch (SdkException e) {
      throw new IOException(
          "Cannot create object "
              + name
              + " in "
              + where
              + ": part "
              + number
              + " failed: "
              + reason(e),
          e);
    }
  }

  private void abort(String name, String key, String uploadId, Throwable cause) {
    try {
      client.abortMultipartUpload(b -> b.bucket(location.bucket()).key(key).uploadId(uploadId));
    } catch (SdkException e) {
      cause.addSuppressed(
          new IOException(
              "Cannot abort the upload of object "
                  + name
                  + " in "
                  + where
                  + " (upload "
                  + uploadId
                  + ", a lifecycle rule for incomplete uploads removes it): "
                  + reason(e),
              e));
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private Optional<HeadObjectResponse> head(String name, String key) throws IOException {
    try {
      return Optional.of(client.headObject(b -> b.bucket(location.bucket()).key(key)));
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("stat", name, e);
    } catch (SdkException e) {
      throw failure("stat", name, e);
    }
  }

  private boolean exists(String name, String key) throws IOException {
    return head(name, key).isPresent();
  }

  private IOException readFailure(String name, S3Exception e) {
    if (e.statusCode() == 404 && !isNoSuchBucket(e)) {
      return new NoSuchObjectException(name, where);
    }
    if (isInvalidObjectState(e)) {
      return archivedFailure(name);
    }
    return failure("read", name, e);
  }

  private IOException failure(String verb, String name, SdkException e) {
    return new IOException(
        "Cannot " + verb + " object " + name + " in " + where + ": " + reason(e), e);
  }

  private EOFException pastTheEnd(String name, long offset, int length, long size) {
    return new EOFException(
        "Cannot read object "
            + name
            + " in "
            + where
            + ": bytes "
            + offset
            + " to "
            + (offset + length)
            + " are past its end"
            + (size >= 0 ? " (size " + size + ")" : ""));
  }

  /** The cause of an SDK failure in a few words, on one line, without request ids or secrets. */
  static String reason(SdkException e) {
    Integer attempts = e.numAttempts();
    String after = attempts != null && attempts > 1 ? " after " + attempts + " attempts" : "";
    if (e instanceof S3Exception s3) {
      int status = s3.statusCode();
      String code = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
      String message = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorMessage();
      if (status == 403 && "InvalidObjectState".equals(code)) {
        return "the object is archived (403 InvalidObjectState)";
      }
      // The SDK signs with the system clock, so that is the clock that is off.
      Optional<String> clock = ClockSkew.refusal(s3, after, Clock.systemUTC());
      if (clock.isPresent()) {
        return clock.get();
      }
      if (status == 403) {
        return "access denied" + (code == null ? "" : " (" + code + ")");
      }
      if (status == 503 || "SlowDown".equals(code)) {
        return "the server is overloaded ("
            + status
            + (code == null ? "" : " " + code)
            + ") and still was"
            + after
            + ", giving up";
      }
      if (isNoSuchBucket(s3)) {
        return "bucket does not exist";
      }
      return "the server answered "
          + status
          + (code == null ? "" : " " + code)
          + (message == null || message.isBlank() ? "" : ": " + oneLine(message))
          + after;
    }
    String message =
        e.getMessage() == null ? e.getClass().getSimpleName() : oneLine(e.getMessage());
    // The SDK appends its own attempt count to client errors; keep one.
    return message.contains("Attempt") ? message : message + after;
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }

  private static boolean isNoSuchBucket(S3Exception e) {
    return e.awsErrorDetails() != null && "NoSuchBucket".equals(e.awsErrorDetails().errorCode());
  }

  /** Whether a lock query failed only because the object or bucket has no lock configured. */
  static boolean isNoLockConfiguration(S3Exception e) {
    String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
    return (e.statusCode() == 404 && !"NoSuchKey".equals(code) && !"NoSuchBucket".equals(code))
        || (e.statusCode() == 400 && "InvalidRequest".equals(code));
  }

  private static boolean isValidName(String name) {
    try {
      ObjectNames.requireValid(name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static RequestBody body(ByteBuffer data) {
    byte[] array;
    int offset;
    int length = data.remaining();
    if (data.hasArray()) {
      array = data.array();
      offset = data.arrayOffset() + data.position();
    } else {
      array = new byte[length];
      data.duplicate().get(array);
      offset = 0;
    }
    // A stream per attempt over the caller's bytes: retries resend without copying.
    return RequestBody.fromContentProvider(
        () -> new ByteArrayInputStream(array, offset, length), length, OCTET_STREAM);
  }

  private static String md5(ByteBuffer data) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      md5.update(data.duplicate());
      return Base64.getEncoder().encodeToString(md5.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is missing from this Java runtime", e);
    }
  }

  // ---- connecting -----------------------------------------------------------------------------

  /** A client for {@code location} configured from {@code environment} and {@code tuning}. */
  static S3Client newClient(S3Location location, Map<String, String> environment, S3Tuning tuning)
      throws IOException {
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(
                Apache5HttpClient.builder()
                    .connectionTimeout(tuning.connectTimeout())
                    .socketTimeout(tuning.socketTimeout())
                    .connectionAcquisitionTimeout(tuning.attemptTimeout())
                    .maxConnections(tuning.maxConnections()))
            .overrideConfiguration(
                o ->
                    o.apiCallAttemptTimeout(tuning.attemptTimeout())
                        .retryStrategy(
                            r ->
                                r.maxAttempts(tuning.maxAttempts())
                                    .backoffStrategy(
                                        BackoffStrategy.exponentialDelay(
                                            tuning.baseDelay(), tuning.maxBackoff()))
                                    .throttlingBackoffStrategy(
                                        BackoffStrategy.exponentialDelay(
                                            tuning.baseDelay().multipliedBy(2),
                                            tuning.maxBackoff()))
                                    .retryOnException(S3BlobStore::isConditionalConflict)))
            // Servers other than AWS do not all know the SDK's default CRC checksums; Content-MD5
            // (ours, and the legacy plugin's for the operations that require one) works everywhere.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .addPlugin(LegacyMd5Plugin.create())
            .credentialsProvider(credentials(location, environment))
            .region(region(location, environment));
    // Without chunked encoding a body over plain http is signed by its SHA-256 in one header:
    // Ceph RGW 16 refuses the SDK's aws-chunked signature on empty bodies. Over https the SDK
    // sends the body unsigned (TLS protects it) and Content-MD5 checks it.
    S3Configuration.Builder service = S3Configuration.builder().chunkedEncodingEnabled(false);
    if (location.endpoint().isPresent()) {
      builder.endpointOverride(location.endpoint().get());
      service.pathStyleAccessEnabled(true);
    } else {
      builder.crossRegionAccessEnabled(true);
    }
    builder.serviceConfiguration(service.build());
    return builder.build();
  }

  /** AWS answers 409 ConditionalRequestConflict to a conditional write racing another: retry. */
  private static boolean isConditionalConflict(Throwable t) {
    return t instanceof S3Exception e
        && e.statusCode() == 409
        && e.awsErrorDetails() != null
        && "ConditionalRequestConflict".equals(e.awsErrorDetails().errorCode());
  }

  private static AwsCredentialsProvider credentials(
      S3Location location, Map<String, String> environment) throws IOException {
    String id = nonBlank(environment.get("AWS_ACCESS_KEY_ID"));
    String secret = nonBlank(environment.get("AWS_SECRET_ACCESS_KEY"));
    String token = nonBlank(environment.get("AWS_SESSION_TOKEN"));
    if (id != null && secret != null) {
      return StaticCredentialsProvider.create(
          token == null
              ? AwsBasicCredentials.create(id, secret)
              : AwsSessionCredentials.create(id, secret, token));
    }
    if (id != null || secret != null) {
      throw new IOException(
          "Cannot open repository "
              + location
              + ": AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
    }
    DefaultCredentialsProvider.Builder chain = DefaultCredentialsProvider.builder();
    String profile = nonBlank(environment.get("AWS_PROFILE"));
    if (profile != null) {
      chain.profileName(profile);
    }
    return chain.build();
  }

  private static Region region(S3Location location, Map<String, String> environment) {
    String region = nonBlank(environment.get("AWS_REGION"));
    if (region == null) {
      region = nonBlank(environment.get("AWS_DEFAULT_REGION"));
    }
    if (region != null) {
      return Region.of(region);
    }
    if (location.endpoint().isEmpty()) {
      try {
        return DefaultAwsRegionProviderChain.builder().build().getRegion();
      } catch (SdkClientException e) {
        // No region configured anywhere: cross-region access finds the bucket's own.
      }
    }
    return Region.US_EAST_1;
  }

  private static String nonBlank(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static void checkBucket(S3Client client, S3Location location, boolean create)
      throws IOException {
    String bucket = location.bucket();
    try {
      client.headBucket(b -> b.bucket(bucket));
      return;
    } catch (S3Exception e) {
      if (ClockSkew.refusal(e, "", Clock.systemUTC()).isPresent()) {
        throw openFailure(location, e); // not the credentials: the clock
      }
      switch (e.statusCode()) {
        case 404 -> {
          if (!create) {
            throw new IOException(
                "Cannot open repository " + location + ": bucket " + bucket + " does not exist");
          }
        }
        case 403 ->
            throw new IOException(
                "Cannot open repository "
                    + location
                    + ": access denied to bucket "
                    + bucket
                    + " (check the credentials)");
        case 301 ->
            throw new IOException(
                "Cannot open repository "
                    + location
                    + ": bucket "
                    + bucket
                    + " is in another region; set AWS_REGION");
        default -> throw openFailure(location, e);
      }
    } catch (SdkException e) {
      throw openFailure(location, e);
    }
    try {
      client.createBucket(b -> b.bucket(bucket));
      LOG.log(System.Logger.Level.DEBUG, "Created bucket {0} for {1}", bucket, location);
    } catch (S3Exception e) {
      String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
      if (!"BucketAlreadyOwnedByYou".equals(code)) {
        throw new IOException(
            "Cannot create bucket " + bucket + " for repository " + location + ": " + reason(e), e);
      }
    } catch (SdkException e) {
      throw new IOException(
          "Cannot create bucket " + bucket + " for repository " + location + ": " + reason(e), e);
    }
  }

  private static IOException openFailure(S3Location location, SdkException e) {
    return new IOException("Cannot open repository " + location + ": " + reason(e), e);
  }

  /**
   * Finds out whether the server enforces {@code If-None-Match: *}: a conditional put of the empty
   * probe object, twice if the first one created it. The probe stays, so an open usually costs one
   * request. Without write access the answer cannot be known and creates fail anyway.
   */
  private static CreateGuarantee probeCreateGuarantee(S3Client client, S3Location location)
      throws IOException {
    String key = location.keyPrefix() + PROBE_NAME;
    boolean enforced;
    try {
      enforced = !conditionalPutSucceeds(client, location, key);
      if (!enforced) {
        enforced = !conditionalPutSucceeds(client, location, key);
      }
    } catch (S3Exception e) {
      if (e.statusCode() == 403 && ClockSkew.refusal(e, "", Clock.systemUTC()).isEmpty()) {
        return CreateGuarantee.IF_NONE_MATCH;
      }
      if (e.statusCode() != 501 && e.statusCode() != 400) {
        throw openFailure(location, e);
      }
      enforced = false; // The server rejects the header.
    } catch (SdkException e) {
      throw openFailure(location, e);
    }
    if (enforced) {
      return CreateGuarantee.IF_NONE_MATCH;
    }
    boolean versioned;
    try {
      versioned =
          client.getBucketVersioning(b -> b.bucket(location.bucket())).status()
              == BucketVersioningStatus.ENABLED;
    } catch (SdkException e) {
      throw openFailure(location, e);
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "The server of {0} does not enforce If-None-Match: creates {1}",
        location,
        versioned
            ? "check with HEAD first (the bucket is versioned, so a lost race loses no data)"
            : "are refused until versioning is enabled on the bucket");
    return versioned ? CreateGuarantee.HEAD_THEN_PUT_VERSIONED : CreateGuarantee.NONE;
  }

  private static boolean conditionalPutSucceeds(S3Client client, S3Location location, String key) {
    try {
      client.putObject(
          b ->
              b.bucket(location.bucket())
                  .key(key)
                  .ifNoneMatch("*")
                  .contentMD5(md5(ByteBuffer.allocate(0))),
          RequestBody.empty());
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == 412) {
        return false;
      }
      throw e;
    }
  }
}
