package dev.cairn.repository.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PackIdTest {

  @Test
  void objectNamesFanOutByTheFirstTwoHexDigitsUnderTheKindsPrefix() {
    String hex = "ab" + "0".repeat(62);

    assertThat(new PackId(hex, PackKind.DATA).objectName()).isEqualTo("packs/data/ab/" + hex);
    assertThat(new PackId(hex, PackKind.TREE).objectName()).isEqualTo("packs/tree/ab/" + hex);
  }

  @Test
  void objectNamesParseBackToTheSameId() {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 100; i++) {
      PackId id = PackId.random(i % 2 == 0 ? PackKind.DATA : PackKind.TREE, random);

      assertThat(PackId.fromObjectName(id.objectName())).isEqualTo(id);
      assertThat(id.idBytes()).hasSize(32);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "index/abcdef",
        "packs/data/ab",
        "packs/data/cd/ab00000000000000000000000000000000000000000000000000000000000000",
        "packs/data/AB/AB00000000000000000000000000000000000000000000000000000000000000",
        "packs/data/ab/ab0000000000000000000000000000000000000000000000000000000000000",
        "packs/other/ab/ab00000000000000000000000000000000000000000000000000000000000000"
      })
  void namesThatAreNotPackNamesParseToNull(String name) {
    assertThat(PackId.fromObjectName(name)).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "abc", "AB00000000000000000000000000000000000000000000000000000000000000"})
  void anIdMustBeSixtyFourLowerCaseHexDigits(String hex) {
    assertThatThrownBy(() -> new PackId(hex, PackKind.DATA))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void blobTypesMapToTheirPackKindsAndCodesAreStable() {
    assertThat(PackKind.of(BlobType.DATA)).isEqualTo(PackKind.DATA);
    assertThat(PackKind.of(BlobType.TREE)).isEqualTo(PackKind.TREE);
    for (PackKind kind : PackKind.values()) {
      assertThat(PackKind.fromCode(kind.code())).isEqualTo(kind);
    }
    for (BlobType type : BlobType.values()) {
      assertThat(BlobType.fromCode(type.code())).isEqualTo(type);
    }
    for (Compression compression : Compression.values()) {
      assertThat(Compression.fromCode(compression.code())).isEqualTo(compression);
    }
    assertThat(BlobType.DATA.code()).isZero();
    assertThat(BlobType.TREE.code()).isEqualTo(1);
    assertThat(Compression.NONE.code()).isZero();
    assertThat(Compression.ZSTD.code()).isEqualTo(1);
    assertThatThrownBy(() -> PackKind.fromCode(2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BlobType.fromCode(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Compression.fromCode(2)).isInstanceOf(IllegalArgumentException.class);
  }
}
