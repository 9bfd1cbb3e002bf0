package dev.cairn.repository;

import dev.cairn.repository.audit.AuditLog;
import dev.cairn.repository.cache.MetadataCache;
import dev.cairn.repository.config.FormatSupport;
import dev.cairn.repository.config.Immutability;
import dev.cairn.repository.config.RepositoryConfig;
import dev.cairn.repository.crypto.ChunkHasher;
import dev.cairn.repository.crypto.CipherWarmup;
import dev.cairn.repository.crypto.Envelope;
import dev.cairn.repository.crypto.MasterKey;
import dev.cairn.repository.crypto.ObjectCipher;
import dev.cairn.repository.immutable.RetainingWrites;
import dev.cairn.repository.index.ChunkIndex;
import dev.cairn.repository.index.IndexFile;
import dev.cairn.repository.keys.EarlyDerivation;
import dev.cairn.repository.keys.KdfParameters;
import dev.cairn.repository.keys.KeyRing;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.LockManager;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.pack.PackKind;
import dev.cairn.repository.point.ManifestWarmup;
import dev.cairn.repository.point.PointCatalog;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.RetainingBlobStore;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * An open repository: the entry point for everything above the storage SPI. Thread-safe. Opening
 * reads the config and unlocks the master key; the chunk index is loaded on first use.
 */
public final class Repository implements AutoCloseable {
  private final BlobStore store;
  private final RepositoryConfig config;
  private final MasterKey masterKey;
  private final String keySlotId;
  private final Clock clock;
  private final SecureRandom random;
  private final ObjectCipher cipher;
  private final ChunkHasher hasher;
  private final Envelope envelope;
  private final PointCatalog points;
  private volatile MetadataCache cache;
  private final LockManager locks;
  private final KeyRing keys;
  private final AuditLog audit;
  private volatile ChunkIndex index;

  private Repository(
      BlobStore store,
      RepositoryConfig config,
      MasterKey masterKey,
      String keySlotId,
      Clock clock,
      SecureRandom random) {
    this.store = store;
    this.config = config;
    this.masterKey = masterKey;
    this.keySlotId = keySlotId;
    this.clock = clock;
    this.random = random;
    this.cipher = new ObjectCipher(masterKey);
    this.hasher = new ChunkHasher(masterKey);
    this.envelope = new Envelope(cipher, random);
    this.points = new PointCatalog(store, envelope);
    this.cache = MetadataCache.NONE;
    this.locks = new LockManager(store, clock, random);
    this.keys = new KeyRing(store, config.id(), random, clock);
    this.audit = new AuditLog(store, envelope, clock, random);
  }

  /**
   * Options of {@code init}: the key derivation cost, the label of the first key slot, and, for an
   * immutable repository, how long its objects are retained (null for an ordinary one).
   */
  public record InitOptions(KdfParameters kdf, String keyLabel, Immutability immutability) {
    public InitOptions(KdfParameters kdf, String keyLabel) {
      this(kdf, keyLabel, null);
    }

    public static InitOptions defaults() {
      return new InitOptions(KdfParameters.defaults(), "initial key");
    }

    /** These options for an immutable repository. */
    public InitOptions immutable(Immutability retained) {
      return new InitOptions(kdf, keyLabel, retained);
    }
  }

  /**
   * Creates a repository in an empty store: writes the config (create-if-absent, so two inits
   * cannot both succeed) and the first key slot. An immutable repository writes both retained.
   *
   * @throws CairnException if the store already holds a repository, or the options ask for an
   *     immutable repository and the store cannot retain objects
   */
  public static Repository init(BlobStore store, char[] password, InitOptions options, Clock clock)
      throws IOException {
    requirePassword(password);
    Immutability immutability = options.immutability();
    SecureRandom random = new SecureRandom();
    byte[] id = new byte[16];
    random.nextBytes(id);
    RepositoryConfig config =
        new RepositoryConfig(
            RepositoryConfig.FORMAT,
            FormatSupport.VERSION,
            HexFormat.of().formatHex(id),
            List.of(),
            List.of(),
            FormatSupport.DEFAULT_BLOCK_SIZE,
            FormatSupport.DEFAULT_PACK_TARGET_SIZE,
            clock.instant(),
            immutability);
    if (immutability != null) {
      config =
          new RepositoryConfig(
              config.format(),
              config.version(),
              config.id(),
              List.of(FormatSupport.IMMUTABLE_OBJECTS),
              config.optionalFeatures(),
              config.blockSize(),
              config.packTargetSize(),
              config.created(),
              immutability);
    }
    BlobStore writes = writesOf(store, config, clock, "initialise");
    try {
      writes.create(RepositoryConfig.OBJECT_NAME, Json.write(config));
    } catch (ObjectExistsException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot initialise repository " + store.location() + ": it already holds a repository");
    }
    MasterKey masterKey = MasterKey.generate(random);
    var slot =
        new KeyRing(writes, config.id(), random, clock)
            .add(masterKey, password, options.kdf(), options.keyLabel());
    return new Repository(writes, config, masterKey, slot.id(), clock, random);
  }

  /**
   * Starts deriving the key of each key slot of the repository in {@code store} from {@code
   * password} in the background, so that a later {@link #open} with the same password finds the key
   * ready (see {@link EarlyDerivation}). Returns at once; never fails.
   */
  public static void deriveKeysEarly(BlobStore store, char[] password) {
    if (password != null && password.length > 0) {
      EarlyDerivation.start(store, () -> readConfig(store).id(), password);
    }
  }

  /**
   * Opens an existing repository, warming up the JIT for what most commands do next (see {@link
   * #open(BlobStore, char[], Clock, boolean)}).
   *
   * @throws CairnException if there is no repository, its format is not supported, or the password
   *     opens no key slot
   */
  public static Repository open(BlobStore store, char[] password, Clock clock) throws IOException {
    return open(store, password, clock, true);
  }

  /**
   * Opens an existing repository.
   *
   * @param warmUp run the cipher and manifest warm-ups on a spare core while the key is derived:
   *     they make backups and listings faster, but on a busy or 2-core machine they take CPU from
   *     the key derivation itself, so a command that wants its first result soonest (export) opens
   *     without them
   * @throws CairnException if there is no repository, its format is not supported, or the password
   *     opens no key slot
   */
  public static Repository open(BlobStore store, char[] password, Clock clock, boolean warmUp)
      throws IOException {
    requirePassword(password);
    RepositoryConfig config = readConfig(store);
    if (warmUp) {
      CipherWarmup.startInBackground();
      ManifestWarmup.startInBackground();
    }
    SecureRandom random = new SecureRandom();
    BlobStore writes = writesOf(store, config, clock, "open");
    KeyRing.Unlocked unlocked = new KeyRing(writes, config.id(), random, clock).unlock(password);
    return new Repository(
        writes, config, unlocked.masterKey(), unlocked.slot().id(), clock, random);
  }

  /**
   * The store every part of the repository writes through: for an immutable repository, a view that
   * writes every object but locks retained.
   *
   * @throws CairnException if the repository is immutable and the store cannot retain objects
   */
  private static BlobStore writesOf(
      BlobStore store, RepositoryConfig config, Clock clock, String verb) throws CairnException {
    if (!config.immutable()) {
      return store;
    }
    if (!(store instanceof RetainingBlobStore retaining)) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot "
              + verb
              + " immutable repository "
              + store.location()
              + ": this store cannot retain objects (use an S3 bucket with Object Lock or an"
              + " Azure container with version-level immutability)");
    }
    return RetainingWrites.of(retaining, config.immutability(), clock);
  }

  /** Reads and checks the config without a password (for tools that only need the format). */
  public static RepositoryConfig readConfig(BlobStore store) throws IOException {
    byte[] bytes;
    try {
      bytes = store.read(RepositoryConfig.OBJECT_NAME);
    } catch (NoSuchObjectException e) {
      throw new CairnException(
          ErrorCode.REPOSITORY_UNAVAILABLE,
          "Cannot open repository "
              + store.location()
              + ": no repository there (no config object); create one with 'cairn init'");
    }
    RepositoryConfig config;
    try {
      config = Json.read(bytes, RepositoryConfig.class, RepositoryConfig.OBJECT_NAME);
    } catch (DamagedObjectException e) {
      throw new CairnException(
          ErrorCode.REPOSITORY_UNAVAILABLE,
          "Cannot open repository " + store.location() + ": its config is damaged",
          e);
    }
    FormatSupport.requireSupported(config, store.location());
    return config;
  }

  private static void requirePassword(char[] password) throws CairnException {
    if (password == null || password.length == 0) {
      throw new CairnException(ErrorCode.INVALID_INPUT, "Cannot use an empty password");
    }
  }

  /** The store, as the repository writes to it (retaining, for an immutable repository). */
  public BlobStore store() {
    return store;
  }

  /** The retaining view of an immutable repository's store, or empty for an ordinary one. */
  public java.util.Optional<RetainingWrites> retainingWrites() {
    return store instanceof RetainingWrites retaining
        ? java.util.Optional.of(retaining)
        : java.util.Optional.empty();
  }

  public RepositoryConfig config() {
    return config;
  }

  public String location() {
    return store.location();
  }

  public Clock clock() {
    return clock;
  }

  public SecureRandom random() {
    return random;
  }

  public ObjectCipher cipher() {
    return cipher;
  }

  public ChunkHasher hasher() {
    return hasher;
  }

  public Envelope envelope() {
    return envelope;
  }

  public PointCatalog points() {
    return points;
  }

  public LockManager locks() {
    return locks;
  }

  public KeyRing keys() {
    return keys;
  }

  /** The audit trail of sensitive actions. */
  public AuditLog audit() {
    return audit;
  }

  /** The id of the key slot this repository was opened with. */
  public String keySlotId() {
    return keySlotId;
  }

  /** The master key, for adding a key slot. */
  public MasterKey masterKey() {
    return masterKey;
  }

  public RepositoryLock lock(LockKind kind, String operation) throws IOException {
    return locks.acquire(kind, operation);
  }

  /**
   * The chunk index, loaded from every index object on first call.
   *
   * @throws DamagedObjectException naming the first index object that fails verification
   */
  public ChunkIndex index() throws IOException {
    ChunkIndex loaded = index;
    if (loaded == null) {
      synchronized (this) {
        loaded = index;
        if (loaded == null) {
          loaded = new ChunkIndex();
          loadIndexInto(
              loaded,
              damage -> {
                throw new UncheckedDamage(damage);
              });
          index = loaded;
        }
      }
    }
    return loaded;
  }

  /**
   * Loads every index object into a fresh index, reporting damaged ones to {@code onDamage} instead
   * of failing (for check and repair).
   */
  public ChunkIndex loadIndexTolerant(Consumer<DamagedObjectException> onDamage)
      throws IOException {
    ChunkIndex loaded = new ChunkIndex();
    loadIndexInto(loaded, onDamage);
    return loaded;
  }

  /** Every pack in the store, indexed or not, with its size; listed, not read. */
  public Map<PackId, Long> storedPacks() throws IOException {
    Map<PackId, Long> packs = new HashMap<>();
    for (PackKind kind : PackKind.values()) {
      store.list(
          kind.prefix(),
          info -> {
            PackId id = PackId.fromObjectName(info.name());
            if (id != null) {
              packs.put(id, info.size());
            }
          });
    }
    return packs;
  }

  /** Names of every index object. */
  public List<String> indexNames() throws IOException {
    List<String> names = new ArrayList<>();
    store.list(IndexFile.PREFIX, info -> names.add(info.name()));
    return names;
  }

  /** Reads and verifies one index object (from the metadata cache when it has a sound copy). */
  public IndexFile readIndexFile(String name) throws IOException {
    return cache.read(
        name,
        () -> store.read(name),
        bytes -> IndexFile.decode(envelope.open(IndexFile.MAGIC, name, bytes), name));
  }

  /**
   * Keeps copies of index objects and manifests in {@code cache} from now on, so that later opens
   * need not read them from the store again. For backup, restore and listing; check, repair and
   * prune read the store itself.
   */
  public void useMetadataCache(MetadataCache cache) {
    this.cache = cache;
    points.useCache(cache);
  }

  public MetadataCache metadataCache() {
    return cache;
  }

  /** Writes an index object under a fresh random name; returns the name. */
  public String writeIndexFile(IndexFile file) throws IOException {
    byte[] id = new byte[32];
    random.nextBytes(id);
    String name = IndexFile.PREFIX + HexFormat.of().formatHex(id);
    try {
      byte[] sealed = envelope.seal(IndexFile.MAGIC, name, file.encode());
      store.create(name, sealed);
      cache.put(name, sealed);
    } catch (IOException e) {
      throw e.getMessage() != null && e.getMessage().contains(name)
          ? e
          : new IOException(
              "Cannot write index " + name + " to " + location() + ": " + e.getMessage(), e);
    }
    return name;
  }

  private void loadIndexInto(ChunkIndex target, Consumer<DamagedObjectException> onDamage)
      throws IOException {
    List<String> names = indexNames();
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<IndexFile>> futures = new ArrayList<>();
      java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(8);
      for (String name : names) {
        futures.add(
            executor.submit(
                () -> {
                  permits.acquire();
                  try {
                    return readIndexFile(name);
                  } catch (DamagedObjectException e) {
                    onDamage.accept(e);
                    return null;
                  } finally {
                    permits.release();
                  }
                }));
      }
      for (Future<IndexFile> future : futures) {
        IndexFile file = future.get();
        if (file == null) {
          continue;
        }
        for (IndexFile.PackEntries pack : file.packs()) {
          for (var entry : pack.entries()) {
            target.addIfAbsent(pack.pack(), entry);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while loading the index", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof UncheckedDamage damage) {
        throw damage.damage;
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException("Cannot load the index of " + location(), cause);
    }
  }

  /** Forget the loaded index (after prune rewrote it). */
  public synchronized void invalidateIndex() {
    index = null;
  }

  /** Starts a session that writes chunks into new packs, deduplicated against the index. */
  public BlobSink newSink(int dataWriters) throws IOException {
    return new BlobSink(this, index(), dataWriters);
  }

  /**
   * Starts a session that deduplicates against {@code index} only (prune's repack uses an empty
   * index so that every live chunk it copies is written).
   */
  public BlobSink newSink(int dataWriters, ChunkIndex index) {
    return new BlobSink(this, index, dataWriters);
  }

  /** A reader of chunks through the index. */
  public ChunkReader reader() throws IOException {
    return new ChunkReader(this, index());
  }

  /**
   * A reader of chunks through {@code index}, such as one {@link #loadIndexTolerant} built (check
   * reads through what it could load, instead of failing on the first damaged index object).
   */
  public ChunkReader reader(ChunkIndex index) {
    return new ChunkReader(this, index);
  }

  @Override
  public void close() throws IOException {
    masterKey.destroy();
    store.close();
  }

  private static final class UncheckedDamage extends RuntimeException {
    private final DamagedObjectException damage;

    UncheckedDamage(DamagedObjectException damage) {
      super(damage.getMessage(), null, false, false);
      this.damage = damage;
    }
  }
}
