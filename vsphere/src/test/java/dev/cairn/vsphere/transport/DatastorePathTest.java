package dev.cairn.vsphere.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DatastorePathTest {
  @Test
  void pathsParseWithSpacesAndSiblingsStayInTheFolder() {
    DatastorePath path = DatastorePath.parse(" [vsanDatastore]  a b/c d.vmdk ");

    assertThat(path.datastore()).isEqualTo("vsanDatastore");
    assertThat(path.path()).isEqualTo("a b/c d.vmdk");
    assertThat(path.folder()).isEqualTo("a b");
    assertThat(path.sibling("c d-flat.vmdk").toString())
        .isEqualTo("[vsanDatastore] a b/c d-flat.vmdk");
    assertThat(DatastorePath.parse("[ds] root.vmdk").sibling("x").path()).isEqualTo("x");
  }

  @Test
  void somethingElseIsRefusedNamingTheText() {
    assertThatThrownBy(() -> DatastorePath.parse("ds/vm.vmdk"))
        .hasMessage("Cannot parse datastore path 'ds/vm.vmdk': expected '[datastore] folder/file'");
  }

  @Test
  void descriptorsWithSeveralOrSparseExtentsHaveNoFlatFile() {
    byte[] twoGbSplit =
        """
        # Disk DescriptorFile
        RW 4192256 FLAT "d-f001.vmdk" 0
        RW 4192256 FLAT "d-f002.vmdk" 0
        """
            .getBytes(StandardCharsets.US_ASCII);

    VmdkDescriptor descriptor = VmdkDescriptor.parse(twoGbSplit).orElseThrow();

    assertThat(descriptor.extents()).hasSize(2);
    assertThat(descriptor.extents().getFirst().fileName()).isEqualTo("d-f001.vmdk");
    assertThat(descriptor.flatFile()).isEmpty();
    assertThat(VmdkDescriptor.parse(new byte[] {0, 1, 2})).isEmpty();
  }
}
