package dev.cairn.repository.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.compression.Compressor;
import dev.cairn.repository.crypto.ChunkHasher;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.crypto.MasterKey;
import dev.cairn.repository.crypto.ObjectCipher;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;

class PackWriterReaderTest {
  private final MasterKey masterKey = key(1);
  private final ObjectCipher cipher = new ObjectCipher(masterKey);
  private final ChunkHasher hasher = new ChunkHasher(masterKey);

  private static MasterKey key(long seed) {
    byte[] material = new byte[MasterKey.LENGTH];
    new SplittableRandom(seed).nextBytes(material);
    return MasterKey.fromBytes(material);
  }

  /** A chunk as the write path would add it, and the plaintext it stands for. */
  private record Blob(
      ChunkId id, BlobType type, Compression compression, byte[] raw, byte[] stored) {}

  private List<Blob> blobs(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Blob> blobs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] raw = new byte[random.nextInt(20_000)];
      random.nextBytes(raw);
      if (random.nextBoolean()) {
        Arrays.fill(raw, 0, raw.length / 2, (byte) i); // compressible
      }
      BlobType type = random.nextInt(4) == 0 ? BlobType.TREE : BlobType.DATA;
      byte[] output = new byte[Compressor.maximumCompressedLength(raw.length)];
      int compressed = Compressor.compressIfWorthwhile(raw, 0, raw.length, output, 0);
      blobs.add(
          compressed >= 0
              ? new Blob(
                  hasher.hash(raw, 0, raw.length),
                  type,
                  Compression.ZSTD,
                  raw,
                  Arrays.copyOf(output, compressed))
              : new Blob(hasher.hash(raw, 0, raw.length), type, Compression.NONE, raw, raw));
    }
    return blobs;
  }

  private PackWriter writer(int targetSize) {
    return new PackWriter(cipher, new SecureRandom(), targetSize, PackKind.DATA);
  }

  private static List<BlobEntry> addAll(PackWriter writer, List<Blob> blobs) {
    List<BlobEntry> entries = new ArrayList<>();
    for (Blob blob : blobs) {
      entries.add(
          writer.add(
              blob.id(),
              blob.type(),
              blob.compression(),
              blob.raw().length,
              blob.stored(),
              0,
              blob.stored().length));
    }
    return entries;
  }

  private PackReader reader(PackWriter.FinishedPack pack) throws DamagedObjectException {
    return new PackReader(cipher, pack.id(), Arrays.copyOf(pack.bytes(), PackFormat.HEADER_LENGTH));
  }

  private static byte[] decode(PackReader reader, BlobEntry entry, byte[] pack)
      throws DamagedObjectException {
    byte[] plain = reader.openBlob(entry, pack, entry.offset());
    return entry.compression() == Compression.ZSTD
        ? Compressor.decompress(plain, 0, plain.length, entry.rawLength())
        : plain;
  }

  @Test
  void manyBlobsOfMixedTypesAndCompressionsRoundTripByEntryAndByTrailer() throws Exception {
    List<Blob> blobs = blobs(300, 2);
    assertThat(blobs).extracting(Blob::compression).contains(Compression.NONE, Compression.ZSTD);
    assertThat(blobs).extracting(Blob::type).contains(BlobType.DATA, BlobType.TREE);
    PackWriter writer = writer(64 << 20);

    List<BlobEntry> entries = addAll(writer, blobs);
    PackWriter.FinishedPack pack = writer.finish();
    PackReader reader = reader(pack);

    assertThat(pack.entries()).isEqualTo(entries);
    assertThat(reader.readTrailer(pack.bytes())).isEqualTo(entries);
    for (int i = 0; i < blobs.size(); i++) {
      BlobEntry entry = entries.get(i);
      Blob blob = blobs.get(i);
      assertThat(entry.id()).isEqualTo(blob.id());
      assertThat(entry.type()).isEqualTo(blob.type());
      assertThat(entry.compression()).isEqualTo(blob.compression());
      assertThat(entry.rawLength()).isEqualTo(blob.raw().length);
      assertThat(entry.storedLength()).isEqualTo(blob.stored().length + ObjectCipher.TAG_LENGTH);
      assertThat(decode(reader, entry, pack.bytes())).isEqualTo(blob.raw());
      byte[] alone =
          Arrays.copyOfRange(pack.bytes(), entry.offset(), entry.offset() + entry.storedLength());
      assertThat(reader.openBlob(entry, alone, 0)).isEqualTo(blob.stored());
    }
  }

  @Test
  void thePackLayoutIsHeaderBlobsBackToBackTrailerAndFooter() throws Exception {
    PackWriter writer = writer(1 << 20);
    List<BlobEntry> entries = addAll(writer, blobs(20, 3));

    byte[] pack = writer.finish().bytes();

    assertThat(new String(pack, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("CRNP");
    assertThat(pack[4]).isEqualTo((byte) 1);
    assertThat(entries.getFirst().offset()).isEqualTo(PackFormat.HEADER_LENGTH);
    for (int i = 1; i < entries.size(); i++) {
      BlobEntry previous = entries.get(i - 1);
      assertThat(entries.get(i).offset()).isEqualTo(previous.offset() + previous.storedLength());
    }
    BlobEntry last = entries.getLast();
    int trailerLength = ByteBuffer.wrap(pack, pack.length - 4, 4).getInt();
    assertThat(trailerLength)
        .isEqualTo(4 + entries.size() * BlobEntry.SERIALIZED_LENGTH + ObjectCipher.TAG_LENGTH);
    assertThat(last.offset() + last.storedLength() + trailerLength + 4).isEqualTo(pack.length);
  }

  @Test
  void blobNoncesAreDistinctBecauseOffsetsAreUnique() {
    PackWriter writer = writer(1 << 20);
    List<BlobEntry> entries = addAll(writer, blobs(200, 4));

    Set<Integer> offsets = new HashSet<>();
    for (BlobEntry entry : entries) {
      assertThat(offsets.add(entry.offset())).as("offset %d reused", entry.offset()).isTrue();
    }
  }

  @Test
  void aFlippedByteInOneBlobFailsThatBlobOnlyNamingPackAndChunk() throws Exception {
    PackWriter writer = writer(1 << 20);
    List<Blob> blobs = blobs(30, 5);
    List<BlobEntry> entries = addAll(writer, blobs);
    PackWriter.FinishedPack pack = writer.finish();
    PackReader reader = reader(pack);
    SplittableRandom random = new SplittableRandom(6);

    for (int damagedIndex = 0; damagedIndex < entries.size(); damagedIndex++) {
      BlobEntry damagedEntry = entries.get(damagedIndex);
      byte[] damaged = pack.bytes().clone();
      damaged[damagedEntry.offset() + random.nextInt(damagedEntry.storedLength())] ^=
          (byte) (1 + random.nextInt(255));

      for (int i = 0; i < entries.size(); i++) {
        BlobEntry entry = entries.get(i);
        if (i == damagedIndex) {
          assertThatThrownBy(() -> reader.openBlob(entry, damaged, entry.offset()))
              .isInstanceOf(DamagedObjectException.class)
              .hasMessageContaining(pack.id().objectName())
              .hasMessageContaining(entry.id().shortHex())
              .hasMessageContaining("offset " + entry.offset());
        } else {
          assertThat(decode(reader, entry, damaged)).isEqualTo(blobs.get(i).raw());
        }
      }
    }
  }

  @Test
  void aFlippedByteInTheTrailerOrFooterFailsReadTrailer() {
    PackWriter writer = writer(1 << 20);
    List<BlobEntry> entries = addAll(writer, blobs(10, 7));
    PackWriter.FinishedPack pack = writer.finish();
    BlobEntry last = entries.getLast();
    int trailerStart = last.offset() + last.storedLength();

    for (int position = trailerStart; position < pack.bytes().length; position++) {
      byte[] damaged = pack.bytes().clone();
      damaged[position] ^= 0x10;

      Throwable thrown = catchThrowable(() -> reader(pack).readTrailer(damaged));

      assertThat(thrown)
          .as("byte %d", position)
          .isInstanceOf(DamagedObjectException.class)
          .hasMessageContaining(pack.id().objectName());
    }
  }

  @Test
  void aTruncatedPackFailsReadTrailerWhateverTheLength() throws Exception {
    PackWriter writer = writer(1 << 20);
    addAll(writer, blobs(5, 8));
    PackWriter.FinishedPack pack = writer.finish();
    PackReader reader = reader(pack);

    for (int length = 0; length < pack.bytes().length; length++) {
      byte[] truncated = Arrays.copyOf(pack.bytes(), length);

      assertThat(catchThrowable(() -> reader.readTrailer(truncated)))
          .as("truncated to %d", length)
          .isInstanceOf(DamagedObjectException.class);
    }
  }

  @Test
  void aBlobCannotBeMovedToAnotherIdOffsetTypeCompressionOrLength() throws Exception {
    PackWriter writer = writer(1 << 20);
    List<Blob> blobs = blobs(3, 9);
    List<BlobEntry> entries = addAll(writer, blobs);
    PackWriter.FinishedPack pack = writer.finish();
    PackReader reader = reader(pack);
    BlobEntry entry = entries.get(1);
    byte[] sealed =
        Arrays.copyOfRange(pack.bytes(), entry.offset(), entry.offset() + entry.storedLength());
    assertThat(reader.openBlob(entry, sealed, 0)).isEqualTo(blobs.get(1).stored());

    List<BlobEntry> forgeries =
        List.of(
            new BlobEntry(
                entries.get(0).id(),
                entry.type(),
                entry.compression(),
                entry.offset(),
                entry.storedLength(),
                entry.rawLength()),
            new BlobEntry(
                entry.id(),
                entry.type(),
                entry.compression(),
                entries.get(2).offset(),
                entry.storedLength(),
                entry.rawLength()),
            new BlobEntry(
                entry.id(),
                entry.type() == BlobType.DATA ? BlobType.TREE : BlobType.DATA,
                entry.compression(),
                entry.offset(),
                entry.storedLength(),
                entry.rawLength()),
            new BlobEntry(
                entry.id(),
                entry.type(),
                entry.compression() == Compression.NONE ? Compression.ZSTD : Compression.NONE,
                entry.offset(),
                entry.storedLength(),
                entry.rawLength()),
            new BlobEntry(
                entry.id(),
                entry.type(),
                entry.compression(),
                entry.offset(),
                entry.storedLength(),
                entry.rawLength() + 1));

    for (BlobEntry forged : forgeries) {
      assertThatThrownBy(() -> reader.openBlob(forged, sealed, 0))
          .as("%s", forged)
          .isInstanceOf(DamagedObjectException.class);
    }
  }

  @Test
  void aBlobCopiedIntoAnotherPackFailsAuthenticationThere() throws Exception {
    PackWriter writer = writer(1 << 20);
    List<Blob> blobs = blobs(2, 10);
    BlobEntry entry = addAll(writer, blobs).getFirst();
    PackWriter.FinishedPack first = writer.finish();
    addAll(writer, blobs);
    PackWriter.FinishedPack second = writer.finish();

    assertThat(second.id()).isNotEqualTo(first.id());
    assertThat(Arrays.copyOfRange(second.bytes(), 5, 37))
        .as("each pack has its own salt")
        .isNotEqualTo(Arrays.copyOfRange(first.bytes(), 5, 37));
    assertThat(second.entries().getFirst().offset()).isEqualTo(entry.offset());
    assertThatThrownBy(() -> reader(second).openBlob(entry, first.bytes(), entry.offset()))
        .isInstanceOf(DamagedObjectException.class);
    assertThat(reader(second).openBlob(entry, second.bytes(), entry.offset()))
        .isEqualTo(blobs.getFirst().stored());
  }

  @Test
  void aPackOfAnotherRepositoryCannotBeRead() throws Exception {
    PackWriter writer = writer(1 << 20);
    List<BlobEntry> entries = addAll(writer, blobs(2, 11));
    PackWriter.FinishedPack pack = writer.finish();
    ObjectCipher otherCipher = new ObjectCipher(key(2));
    PackReader other =
        new PackReader(
            otherCipher, pack.id(), Arrays.copyOf(pack.bytes(), PackFormat.HEADER_LENGTH));

    assertThatThrownBy(() -> other.readTrailer(pack.bytes()))
        .isInstanceOf(DamagedObjectException.class);
    assertThatThrownBy(
            () -> other.openBlob(entries.getFirst(), pack.bytes(), entries.getFirst().offset()))
        .isInstanceOf(DamagedObjectException.class);
  }

  @Test
  void theReaderRefusesAHeaderThatIsNotAVersionOnePackHeader() {
    PackWriter writer = writer(1 << 20);
    addAll(writer, blobs(1, 12));
    PackWriter.FinishedPack pack = writer.finish();
    byte[] header = Arrays.copyOf(pack.bytes(), PackFormat.HEADER_LENGTH);

    byte[] badMagic = header.clone();
    badMagic[0] = 'X';
    byte[] badVersion = header.clone();
    badVersion[4] = 2;

    assertThatThrownBy(() -> new PackReader(cipher, pack.id(), badMagic))
        .isInstanceOf(DamagedObjectException.class)
        .hasMessageContaining("not a pack");
    assertThatThrownBy(() -> new PackReader(cipher, pack.id(), badVersion))
        .isInstanceOf(DamagedObjectException.class)
        .hasMessageContaining("version 2");
    assertThatThrownBy(() -> new PackReader(cipher, pack.id(), Arrays.copyOf(header, 36)))
        .isInstanceOf(DamagedObjectException.class);
  }

  @Test
  void theWriterReportsFullAtItsTargetSizeAndStartsAFreshPackAfterFinish() {
    PackWriter writer = writer(10_000);
    assertThat(writer.isEmpty()).isTrue();
    byte[] data = new byte[4000];

    writer.add(new ChunkId(0, 0, 0, 1), BlobType.DATA, Compression.NONE, 4000, data, 0, 4000);
    PackId first = writer.currentId();
    assertThat(writer.isFull()).isFalse();
    writer.add(new ChunkId(0, 0, 0, 2), BlobType.DATA, Compression.NONE, 4000, data, 0, 4000);
    assertThat(writer.isFull()).isFalse();
    writer.add(new ChunkId(0, 0, 0, 3), BlobType.DATA, Compression.NONE, 4000, data, 0, 4000);
    assertThat(writer.isFull()).isTrue();
    assertThat(writer.currentId()).isEqualTo(first);

    PackWriter.FinishedPack pack = writer.finish();

    assertThat(pack.id()).isEqualTo(first);
    assertThat(pack.id().kind()).isEqualTo(PackKind.DATA);
    assertThat(pack.entries()).hasSize(3);
    assertThat(writer.isEmpty()).isTrue();
    assertThat(writer.isFull()).isFalse();
    assertThat(writer.currentId()).isNotEqualTo(first);
  }

  @Test
  void aWriterGrowsPastItsTargetForALargeBlob() throws Exception {
    PackWriter writer = writer(1000);
    byte[] data = new byte[3 << 20];
    new SplittableRandom(13).nextBytes(data);
    ChunkId id = hasher.hash(data, 0, data.length);

    BlobEntry entry =
        writer.add(id, BlobType.DATA, Compression.NONE, data.length, data, 0, data.length);
    PackWriter.FinishedPack pack = writer.finish();

    assertThat(reader(pack).openBlob(entry, pack.bytes(), entry.offset())).isEqualTo(data);
  }

  @Test
  void finishingAnEmptyPackIsRefused() {
    assertThatThrownBy(() -> writer(1000).finish()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void finishedPacksAreIndependentOfTheWritersReusedBuffer() throws Exception {
    PackWriter writer = writer(1 << 20);
    List<Blob> blobs = blobs(5, 14);
    List<BlobEntry> entries = addAll(writer, blobs);
    PackWriter.FinishedPack first = writer.finish();
    byte[] snapshot = first.bytes().clone();

    addAll(writer, blobs(5, 15));
    writer.finish();

    assertThat(first.bytes()).isEqualTo(snapshot);
    assertThat(reader(first).readTrailer(first.bytes())).isEqualTo(entries);
  }

  // Trailers sealed with the right key but wrong content: only a writer with the key can make
  // them, so they stand for bugs in other writers, and must still fail cleanly.

  private byte[] packWithTrailer(byte[] table, int dataLength) {
    byte[] salt = new byte[ObjectCipher.SALT_LENGTH];
    new SecureRandom().nextBytes(salt); // a fresh key: GCM must never see a nonce twice
    SecretKey key = cipher.objectKey(PackFormat.KEY_LABEL, salt);
    byte[] sealed =
        cipher.seal(
            key,
            ObjectCipher.nonce(PackFormat.TRAILER_NONCE_DOMAIN, 0),
            PackFormat.TRAILER_ASSOCIATED_DATA,
            table);
    ByteBuffer pack =
        ByteBuffer.allocate(PackFormat.HEADER_LENGTH + dataLength + sealed.length + 4);
    pack.put("CRNP".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put(salt);
    pack.position(PackFormat.HEADER_LENGTH + dataLength);
    pack.put(sealed).putInt(sealed.length);
    return pack.array();
  }

  private void assertTrailerRejected(byte[] table, int dataLength, String reason) throws Exception {
    byte[] pack = packWithTrailer(table, dataLength);
    PackId id = new PackId("0".repeat(64), PackKind.DATA);
    PackReader reader = new PackReader(cipher, id, Arrays.copyOf(pack, PackFormat.HEADER_LENGTH));

    assertThatThrownBy(() -> reader.readTrailer(pack))
        .isInstanceOf(DamagedObjectException.class)
        .hasMessageContaining(id.objectName())
        .hasMessageContaining(reason);
  }

  @Test
  void aTrailerListingImpossiblyManyBlobsIsDamageNotAnAllocation() throws Exception {
    assertTrailerRejected(
        ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array(), 0, "impossible");
    assertTrailerRejected(ByteBuffer.allocate(4).putInt(-1).array(), 0, "impossible");
  }

  @Test
  void aTrailerEntryPastTheBlobDataIsDamage() throws Exception {
    ByteBuffer table = ByteBuffer.allocate(4 + BlobEntry.SERIALIZED_LENGTH).putInt(1);
    new BlobEntry(new ChunkId(1, 2, 3, 4), BlobType.DATA, Compression.NONE, 37, 100, 84)
        .writeTo(table);

    assertTrailerRejected(table.array(), 99, "extends past");
  }

  @Test
  void aTrailerEntryWithAnUnknownCodeIsDamage() throws Exception {
    ByteBuffer table = ByteBuffer.allocate(4 + BlobEntry.SERIALIZED_LENGTH).putInt(1);
    new BlobEntry(new ChunkId(1, 2, 3, 4), BlobType.DATA, Compression.NONE, 37, 16, 0)
        .writeTo(table);
    byte[] bytes = table.array();
    bytes[4 + ChunkId.LENGTH] = 7; // blob type

    assertTrailerRejected(bytes, 16, "unknown blob type 7");
  }

  @Test
  void blobEntriesSerializeToFortySixBytesAndBack() {
    BlobEntry entry =
        new BlobEntry(
            new ChunkId(-1, 2, -3, 4), BlobType.TREE, Compression.ZSTD, Integer.MAX_VALUE, 16, 0);
    ByteBuffer buffer = ByteBuffer.allocate(BlobEntry.SERIALIZED_LENGTH);

    entry.writeTo(buffer);

    assertThat(buffer.remaining()).isZero();
    assertThat(BlobEntry.readFrom(buffer.flip())).isEqualTo(entry);
    assertThat(BlobEntry.SERIALIZED_LENGTH).isEqualTo(46);
  }
}
