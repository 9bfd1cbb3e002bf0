package dev.cairn.storage.azure;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.ArchiveStatus;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobImmutabilityPolicy;
import com.azure.storage.blob.models.BlobImmutabilityPolicyMode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.blob.options.BlobSetAccessTierOptions;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.ObjectLockedException;
import dev.cairn.storage.ObjectNames;
import dev.cairn.storage.RetentionMode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A {@link dev.cairn.storage.BlobStore} on one container of an Azure Storage account, with every
 * object a block blob named {@code PREFIX/NAME}. Open it with {@link AzureBlobStoreProvider}.
 *
 * <ul>
 *   <li>Create-if-absent is a conditional write ({@code If-None-Match: *}): the service answers 409
 *       to the second writer, which gets {@link ObjectExistsException}. Objects up to {@link
 *       AzureSettings#singleUploadLimit()} go up in one request; larger ones as blocks uploaded in
 *       parallel and committed with one block list, so that no partial object is ever visible. Each
 *       upload carries a random id in its metadata: a create whose answer was lost and whose retry
 *       then finds the object recognises its own upload and succeeds.
 *   <li>Requests are retried by the SDK's retry policy ({@link AzureSettings}), waiting at least
 *       what {@code Retry-After} asks, and each try has a timeout. A request refused because this
 *       machine's clock is off (403 AuthenticationFailed) is not retried: the error says how far
 *       off the clock is, by the request's date and the answer's {@code Date}.
 *   <li>Errors are one line naming the object and the store; they never carry a key, a SAS token or
 *       a connection string, and do not chain the SDK's exceptions for HTTP answers (their text can
 *       quote request signatures).
 * </ul>
 *
 * <p>Thread-safe. Also a {@link TieredBlobStore} and an {@link ImmutableBlobStore}.
 */
public final class AzureBlobStore implements TieredBlobStore, ImmutableBlobStore {
  /** Metadata key holding the id of the upload that created a blob. */
  static final String UPLOAD_ID = "cairnupload";

  /** Not among the SDK's constants: a delete or overwrite refused because of a legal hold. */
  private static final BlobErrorCode IMMUTABLE_DUE_TO_LEGAL_HOLD =
      BlobErrorCode.fromString("BlobImmutableDueToLegalHold");

  private static final Pattern SECRETS =
      Pattern.compile("(?i)(sig|AccountKey|SharedAccessSignature)=[^&;\\s\"']*");

  private final BlobContainerClient container;
  private final AzureLocation location;
  private final AzureSettings settings;
  private final String where;
  private final ParallelTransferOptions transfer;

  AzureBlobStore(BlobContainerClient container, AzureLocation location, AzureSettings settings) {
    this.container = Objects.requireNonNull(container, "container");
    this.location = Objects.requireNonNull(location, "location");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.where = location.toString();
    this.transfer =
        new ParallelTransferOptions()
            .setBlockSizeLong((long) settings.blockSize())
            .setMaxSingleUploadSizeLong((long) settings.singleUploadLimit())
            .setMaxConcurrency(settings.uploadConcurrency());
  }

  /** The account, container and prefix of this store. */
  public AzureLocation azureLocation() {
    return location;
  }

  // ---- BlobStore ------------------------------------------------------------------------------

  @Override
  public void create(String name, byte[] content) throws IOException {
    upload(name, BinaryData.fromBytes(content), null, false);
  }

  @Override
  public void create(String name, ByteBuffer content) throws IOException {
    upload(name, BinaryData.fromByteBuffer(content.duplicate()), null, false);
  }

  @Override
  public byte[] read(String name) throws IOException {
    BlobClient blob = blob(name);
    try {
      return blob.downloadContentWithResponse(null, null, null, Context.NONE).getValue().toBytes();
    } catch (RuntimeException e) {
      throw readFailure(name, blob, e);
    }
  }

  @Override
  public byte[] readRange(String name, long offset, int length) throws IOException {
    BlobClient blob = blob(name);
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException(
          "Invalid range of object " + name + ": offset " + offset + ", length " + length);
    }
    if (length == 0 || offset > Long.MAX_VALUE - length) {
      // Nothing to download (or a range no object can reach): the size alone decides.
      long size = stat(name).orElseThrow(() -> new NoSuchObjectException(name, where)).size();
      if (offset > size || offset > size - length) {
        throw pastTheEnd(name, offset, length, size);
      }
      return new byte[0];
    }
    byte[] bytes;
    try {
      bytes =
          blob.downloadContentWithResponse(
                  null, null, new BlobRange(offset, (long) length), false, null, Context.NONE)
              .getValue()
              .toBytes();
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 416) {
        throw pastTheEnd(name, offset, length, sizeFromContentRange(e));
      }
      throw readFailure(name, blob, e);
    } catch (RuntimeException e) {
      throw readFailure(name, blob, e);
    }
    if (bytes.length != length) {
      throw pastTheEnd(name, offset, length, offset + bytes.length);
    }
    return bytes;
  }

  @Override
  public void list(String prefix, Consumer<ObjectInfo> consumer) throws IOException {
    ObjectNames.requireValidPrefix(prefix);
    String blobPrefix = location.blobPrefix();
    ListBlobsOptions options =
        new ListBlobsOptions()
            .setPrefix(blobPrefix + prefix)
            .setMaxResultsPerPage(settings.listPageSize());
    String what = "objects with prefix '" + prefix + "'";
    Iterator<BlobItem> items;
    try {
      items = container.listBlobs(options, null).iterator();
    } catch (RuntimeException e) {
      throw failure("list", what, e);
    }
    while (true) {
      BlobItem item;
      try {
        // Each page is fetched when the previous one is used up: memory stays at one page.
        if (!items.hasNext()) {
          return;
        }
        item = items.next();
      } catch (RuntimeException e) {
        throw failure("list", what, e);
      }
      String name = item.getName().substring(blobPrefix.length());
      if (Boolean.TRUE.equals(item.isPrefix()) || !isObjectName(name)) {
        continue; // not written by Cairn (a folder marker, a foreign name): not an object
      }
      Long size = item.getProperties() == null ? null : item.getProperties().getContentLength();
      consumer.accept(new ObjectInfo(name, size == null ? 0 : size));
    }
  }

  @Override
  public Optional<ObjectInfo> stat(String name) throws IOException {
    return properties(name, blob(name)).map(p -> new ObjectInfo(name, p.getBlobSize()));
  }

  @Override
  public void delete(String name) throws IOException {
    BlobClient blob = blob(name);
    try {
      blob.deleteWithResponse(DeleteSnapshotsOptionType.INCLUDE, null, null, Context.NONE);
    } catch (BlobStorageException e) {
      if (isBlobNotFound(e)) {
        return;
      }
      throw lockedOr("delete", name, e);
    } catch (RuntimeException e) {
      throw failure("delete", "object " + name, e);
    }
  }

  /** {@code azure://ACCOUNT/CONTAINER[/PREFIX]}: no endpoint, no credential. */
  @Override
  public String location() {
    return where;
  }

  @Override
  public String toString() {
    return "AzureBlobStore[" + where + "]";
  }

  // ---- TieredBlobStore ------------------------------------------------------------------------

  @Override
  public void setTier(String name, AccessTier tier) throws IOException {
    Objects.requireNonNull(tier, "tier");
    changeTier(name, new BlobSetAccessTierOptions(toAzure(tier)));
  }

  @Override
  public ObjectTier tier(String name) throws IOException {
    BlobProperties properties =
        properties(name, blob(name)).orElseThrow(() -> new NoSuchObjectException(name, where));
    return tierOf(properties);
  }

  @Override
  public void rehydrate(
      String name, AccessTier target, dev.cairn.storage.RehydratePriority priority)
      throws IOException {
    if (target == AccessTier.ARCHIVE) {
      throw new IllegalArgumentException(
          "Cannot rehydrate object " + name + " to the archive tier: choose an online tier");
    }
    changeTier(
        name,
        new BlobSetAccessTierOptions(toAzure(target))
            .setPriority(
                priority == dev.cairn.storage.RehydratePriority.HIGH
                    ? com.azure.storage.blob.models.RehydratePriority.HIGH
                    : com.azure.storage.blob.models.RehydratePriority.STANDARD));
  }

  // ---- ImmutableBlobStore ---------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * <p>Then reads the protection back: a service that stores the object but ignores the headers (an
   * emulator, a container without version-level immutability on some services) would otherwise
   * leave it unprotected without a word. Such an object is deleted again and the create fails.
   */
  @Override
  public void createImmutable(String name, byte[] content, Retention retention, boolean legalHold)
      throws IOException {
    upload(name, BinaryData.fromBytes(content), Objects.requireNonNull(retention), legalHold);
    ObjectProtection wanted = new ObjectProtection(Optional.of(retention), legalHold);
    ObjectProtection got = protection(name);
    if (!got.equals(wanted)) {
      String removed;
      try {
        delete(name);
        removed = "it was removed again";
      } catch (IOException e) {
        removed = "it could not be removed again";
      }
      throw new IOException(
          "Cannot create immutable object "
              + name
              + " in "
              + where
              + ": the service stored it without the requested protection (no immutability"
              + " support on this container?); "
              + removed);
    }
  }

  @Override
  public void extendRetention(String name, Retention retention) throws IOException {
    BlobClient blob = blob(name);
    try {
      blob.setImmutabilityPolicyWithResponse(toAzure(retention), null, null, Context.NONE);
    } catch (BlobStorageException e) {
      if (isBlobNotFound(e)) {
        throw new NoSuchObjectException(name, where);
      }
      throw lockedOr("extend the retention of", name, e);
    } catch (RuntimeException e) {
      throw failure("extend the retention of", "object " + name, e);
    }
  }

  // ---- RetainingBlobStore: the neutral terms mapped onto Azure's policies --------------------

  @Override
  public void createRetained(String name, byte[] content, dev.cairn.storage.Retention retention)
      throws IOException {
    createImmutable(name, content, toAzureTerms(retention), false);
  }

  @Override
  public void extendRetention(String name, dev.cairn.storage.Retention retention)
      throws IOException {
    Optional<Retention> current = protection(name).retention();
    if (current.isPresent() && !retention.retainUntil().isAfter(current.get().until())) {
      return; // never shorten: already retained at least that long
    }
    // A locked policy cannot become unlocked: keep the mode the object has.
    Retention.Mode mode = current.map(Retention::mode).orElse(toAzureTerms(retention).mode());
    extendRetention(name, new Retention(retention.retainUntil(), mode));
  }

  @Override
  public Optional<dev.cairn.storage.Retention> retention(String name) throws IOException {
    return protection(name)
        .retention()
        .map(
            r ->
                new dev.cairn.storage.Retention(
                    r.mode() == Retention.Mode.LOCKED
                        ? RetentionMode.COMPLIANCE
                        : RetentionMode.GOVERNANCE,
                    r.until()));
  }

  private static Retention toAzureTerms(dev.cairn.storage.Retention retention) {
    return new Retention(
        retention.retainUntil(),
        retention.mode() == RetentionMode.COMPLIANCE
            ? Retention.Mode.LOCKED
            : Retention.Mode.UNLOCKED);
  }

  @Override
  public void setLegalHold(String name, boolean hold) throws IOException {
    BlobClient blob = blob(name);
    String verb = hold ? "set a legal hold on" : "clear the legal hold of";
    try {
      blob.setLegalHoldWithResponse(hold, null, Context.NONE);
    } catch (BlobStorageException e) {
      if (isBlobNotFound(e)) {
        throw new NoSuchObjectException(name, where);
      }
      throw lockedOr(verb, name, e);
    } catch (RuntimeException e) {
      throw failure(verb, "object " + name, e);
    }
  }

  @Override
  public ObjectProtection protection(String name) throws IOException {
    BlobProperties properties =
        properties(name, blob(name)).orElseThrow(() -> new NoSuchObjectException(name, where));
    BlobImmutabilityPolicy policy = properties.getImmutabilityPolicy();
    Optional<Retention> retention = Optional.empty();
    if (policy != null && policy.getExpiryTime() != null && policy.getPolicyMode() != null) {
      if (BlobImmutabilityPolicyMode.LOCKED.equals(policy.getPolicyMode())) {
        retention =
            Optional.of(new Retention(policy.getExpiryTime().toInstant(), Retention.Mode.LOCKED));
      } else if (BlobImmutabilityPolicyMode.UNLOCKED.equals(policy.getPolicyMode())) {
        retention =
            Optional.of(new Retention(policy.getExpiryTime().toInstant(), Retention.Mode.UNLOCKED));
      }
    }
    return new ObjectProtection(retention, Boolean.TRUE.equals(properties.hasLegalHold()));
  }

  // ---- internals ------------------------------------------------------------------------------

  private BlobClient blob(String name) {
    ObjectNames.requireValid(name);
    String blobName = location.blobName(name);
    if (blobName.length() > 1024) {
      throw new IllegalArgumentException(
          "Invalid object name '"
              + name
              + "': too long under prefix '"
              + location.prefix()
              + "' (Azure allows 1024 characters)");
    }
    return container.getBlobClient(blobName);
  }

  private void upload(String name, BinaryData content, Retention retention, boolean legalHold)
      throws IOException {
    BlobClient blob = blob(name);
    String uploadId = UUID.randomUUID().toString();
    BlobParallelUploadOptions options =
        new BlobParallelUploadOptions(content)
            .setParallelTransferOptions(transfer)
            .setMetadata(Map.of(UPLOAD_ID, uploadId))
            .setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*"));
    if (retention != null) {
      options.setImmutabilityPolicy(toAzure(retention));
    }
    if (legalHold) {
      options.setLegalHold(true);
    }
    String verb = retention == null && !legalHold ? "create" : "create immutable";
    try {
      blob.uploadWithResponse(options, null, Context.NONE);
    } catch (BlobStorageException e) {
      boolean conflict =
          e.getStatusCode() == 412 || BlobErrorCode.BLOB_ALREADY_EXISTS.equals(e.getErrorCode());
      // A block list whose uncommitted blocks were dropped because another writer committed
      // first is refused as invalid: that writer won.
      boolean lostBlocks = BlobErrorCode.INVALID_BLOCK_LIST.equals(e.getErrorCode());
      if (conflict || lostBlocks) {
        Optional<BlobProperties> existing = properties(name, blob);
        if (existing.isPresent()) {
          Map<String, String> metadata = existing.get().getMetadata();
          if (metadata != null && uploadId.equals(metadata.get(UPLOAD_ID))) {
            return; // our own earlier try succeeded; its answer was lost
          }
          throw new ObjectExistsException(name, where);
        }
      }
      throw failure(verb, "object " + name, e);
    } catch (RuntimeException e) {
      throw failure(verb, "object " + name, e);
    }
  }

  private void changeTier(String name, BlobSetAccessTierOptions options) throws IOException {
    BlobClient blob = blob(name);
    try {
      blob.setAccessTierWithResponse(options, null, Context.NONE);
    } catch (BlobStorageException e) {
      if (isBlobNotFound(e)) {
        throw new NoSuchObjectException(name, where);
      }
      throw failure("change the tier of", "object " + name, e);
    } catch (RuntimeException e) {
      throw failure("change the tier of", "object " + name, e);
    }
  }

  private Optional<BlobProperties> properties(String name, BlobClient blob) throws IOException {
    try {
      return Optional.of(blob.getPropertiesWithResponse(null, null, Context.NONE).getValue());
    } catch (BlobStorageException e) {
      if (isBlobNotFound(e)) {
        return Optional.empty();
      }
      throw failure("stat", "object " + name, e);
    } catch (RuntimeException e) {
      throw failure("stat", "object " + name, e);
    }
  }

  private IOException readFailure(String name, BlobClient blob, RuntimeException e)
      throws IOException {
    if (e instanceof BlobStorageException b) {
      if (isBlobNotFound(b)) {
        return new NoSuchObjectException(name, where);
      }
      if (BlobErrorCode.BLOB_ARCHIVED.equals(b.getErrorCode())
          || BlobErrorCode.BLOB_BEING_REHYDRATED.equals(b.getErrorCode())) {
        boolean rehydrating =
            BlobErrorCode.BLOB_BEING_REHYDRATED.equals(b.getErrorCode())
                || properties(name, blob)
                    .map(p -> tierOf(p).rehydratingTo().isPresent())
                    .orElse(false);
        return new ArchivedObjectException(name, where, rehydrating);
      }
    }
    return failure("read", "object " + name, e);
  }

  private IOException lockedOr(String verb, String name, BlobStorageException e) {
    BlobErrorCode code = e.getErrorCode();
    if (BlobErrorCode.BLOB_IMMUTABLE_DUE_TO_POLICY.equals(code)) {
      return new ObjectLockedException(
          verb, name, where, "protected by a retention policy (HTTP 409 " + code + ")");
    }
    if (IMMUTABLE_DUE_TO_LEGAL_HOLD.equals(code)) {
      return new ObjectLockedException(
          verb, name, where, "protected by a legal hold (HTTP 409 " + code + ")");
    }
    if (e.getStatusCode() == 409 && verb.startsWith("extend")) {
      return new ObjectLockedException(
          verb, name, where, "the service refused the change (HTTP 409 " + code + ")");
    }
    return failure(verb, "object " + name, e);
  }

  /** A 404 about the blob, not about the container (which is an error, not a missing object). */
  private static boolean isBlobNotFound(BlobStorageException e) {
    return e.getStatusCode() == 404 && !BlobErrorCode.CONTAINER_NOT_FOUND.equals(e.getErrorCode());
  }

  private EOFException pastTheEnd(String name, long offset, int length, long size) {
    return new EOFException(
        "Cannot read object "
            + name
            + " in "
            + where
            + ": range at "
            + offset
            + " of "
            + length
            + " bytes extends past the end"
            + (size >= 0 ? " (size " + size + ")" : ""));
  }

  private static long sizeFromContentRange(BlobStorageException e) {
    String range = e.getResponse() == null ? null : e.getResponse().getHeaderValue("Content-Range");
    if (range != null && range.contains("/")) {
      try {
        return Long.parseLong(range.substring(range.indexOf('/') + 1).trim());
      } catch (NumberFormatException ignored) {
        // unknown size
      }
    }
    return -1;
  }

  /** "Cannot VERB WHAT in LOCATION: REASON", one line, no secret. */
  IOException failure(String verb, String what, RuntimeException e) {
    return failure(location, settings, verb + " " + what + " in " + where, e);
  }

  /**
   * The one-line error for a failed request. {@code action} is what was attempted ("open repository
   * azure://...", "read object x in azure://...").
   */
  static IOException failure(
      AzureLocation location, AzureSettings settings, String action, RuntimeException e) {
    String message = "Cannot " + action + ": " + reason(location, settings, e);
    if (e instanceof BlobStorageException || e instanceof ClientAuthenticationException) {
      return new IOException(message);
    }
    return new IOException(message, e);
  }

  private static String reason(AzureLocation location, AzureSettings settings, RuntimeException e) {
    if (e instanceof BlobStorageException b) {
      int status = b.getStatusCode();
      String code = b.getErrorCode() == null ? "" : " " + b.getErrorCode();
      String http = "(HTTP " + status + code + ")";
      if (status == 403 || status == 401) {
        return "authentication failed for account "
            + location.account()
            + " "
            + http
            + ClockSkew.cause(b).map(cause -> ": " + cause).orElse("");
      }
      if (BlobErrorCode.CONTAINER_NOT_FOUND.equals(b.getErrorCode())) {
        return "container " + location.container() + " does not exist " + http;
      }
      if (status == 429 || status == 500 || status == 503) {
        return "the service is busy or failing "
            + http
            + " after "
            + settings.maxTries()
            + (settings.maxTries() == 1 ? " try" : " tries");
      }
      if (status == 501) {
        return "not supported by the service " + http;
      }
      return "the service refused " + http;
    }
    if (e instanceof ClientAuthenticationException) {
      return "authentication failed for account "
          + location.account()
          + ": no Microsoft Entra ID credential could get a token (set"
          + " AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, or"
          + " AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, or use a managed identity)";
    }
    Throwable cause = e;
    while (cause.getCause() != null
        && !(cause instanceof IOException)
        && !(cause instanceof TimeoutException)) {
      cause = cause.getCause();
    }
    String detail =
        cause.getMessage() == null || cause.getMessage().isBlank()
            ? cause.getClass().getSimpleName()
            : oneLine(cause.getMessage());
    if (cause instanceof IOException || cause instanceof TimeoutException) {
      return "no answer from the service after "
          + settings.maxTries()
          + (settings.maxTries() == 1 ? " try" : " tries")
          + " ("
          + detail
          + ")";
    }
    return detail;
  }

  private static String oneLine(String text) {
    String line = text.strip().replaceAll("\\s*\\R\\s*", " ");
    line = SECRETS.matcher(line).replaceAll("$1=REDACTED");
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }

  private static boolean isObjectName(String name) {
    try {
      ObjectNames.requireValid(name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static ObjectTier tierOf(BlobProperties properties) {
    AccessTier tier = fromAzure(properties.getAccessTier());
    ArchiveStatus status = properties.getArchiveStatus();
    Optional<AccessTier> rehydratingTo = Optional.empty();
    if (ArchiveStatus.REHYDRATE_PENDING_TO_HOT.equals(status)) {
      rehydratingTo = Optional.of(AccessTier.HOT);
    } else if (ArchiveStatus.REHYDRATE_PENDING_TO_COOL.equals(status)) {
      rehydratingTo = Optional.of(AccessTier.COOL);
    } else if (ArchiveStatus.REHYDRATE_PENDING_TO_COLD.equals(status)) {
      rehydratingTo = Optional.of(AccessTier.COLD);
    }
    return new ObjectTier(tier, rehydratingTo);
  }

  private static com.azure.storage.blob.models.AccessTier toAzure(AccessTier tier) {
    return switch (tier) {
      case HOT -> com.azure.storage.blob.models.AccessTier.HOT;
      case COOL -> com.azure.storage.blob.models.AccessTier.COOL;
      case COLD -> com.azure.storage.blob.models.AccessTier.COLD;
      case ARCHIVE -> com.azure.storage.blob.models.AccessTier.ARCHIVE;
    };
  }

  private static AccessTier fromAzure(com.azure.storage.blob.models.AccessTier tier) {
    if (com.azure.storage.blob.models.AccessTier.ARCHIVE.equals(tier)) {
      return AccessTier.ARCHIVE;
    }
    if (com.azure.storage.blob.models.AccessTier.COLD.equals(tier)) {
      return AccessTier.COLD;
    }
    if (com.azure.storage.blob.models.AccessTier.COOL.equals(tier)) {
      return AccessTier.COOL;
    }
    return AccessTier.HOT; // Hot, inferred, or a premium account's performance tier
  }

  private static BlobImmutabilityPolicy toAzure(Retention retention) {
    return new BlobImmutabilityPolicy()
        .setExpiryTime(OffsetDateTime.ofInstant(retention.until(), ZoneOffset.UTC))
        .setPolicyMode(
            retention.mode() == Retention.Mode.LOCKED
                ? BlobImmutabilityPolicyMode.LOCKED
                : BlobImmutabilityPolicyMode.UNLOCKED);
  }
}
