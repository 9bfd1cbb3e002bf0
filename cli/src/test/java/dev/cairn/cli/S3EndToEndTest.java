package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.storage.s3.S3MockServer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository in an S3-compatible bucket (a real S3Mock) driven through the CLI with the standard
 * AWS environment variables: init (which creates the bucket), backup, restore byte for byte, check,
 * a copy from a local repository, and a missing bucket named.
 */
class S3EndToEndTest {
  @TempDir Path directory;
  private S3MockServer server;

  @BeforeEach
  void start() throws Exception {
    server = S3MockServer.shared();
  }

  private CairnProcess cairn() {
    CairnProcess cairn = CairnProcess.in(directory, "secret");
    for (var variable : server.environment().entrySet()) {
      cairn = cairn.withEnvironment(variable.getKey(), variable.getValue());
    }
    return cairn;
  }

  @Test
  void aRepositoryInABucketBacksUpRestoresChecksAndReceivesCopies() throws Exception {
    String url = server.url(S3MockServer.newBucketName("cli") + "/vms");
    cairn()
        .run("init", "--repo", url, "--kdf-memory-kib", "64", "--kdf-iterations", "1")
        .assertSuccess();
    CairnRepository repository = CairnRepository.at(cairn(), url);
    Path disk = TestImages.mixed(directory.resolve("disk.img"), 5L * TestImages.MIB + 3, 8);
    JsonNode point = repository.backup("vm1", disk.toString());

    repository.assertRestores(point.get("id").asText(), disk);
    repository.assertCheckPasses("--read-data");

    // A local repository's point copied into the bucket restores from there.
    CairnRepository local = CairnRepository.init(cairn(), directory.resolve("local"));
    Path other = TestImages.mixed(directory.resolve("other.img"), 3L * TestImages.MIB, 9);
    String otherId = local.backup("vm2", other).get("id").asText();
    cairn().run("copy", "--from", local.location(), "--to", url).assertSuccess();
    repository.assertRestores(otherId, other);
    assertThat(repository.pointIds()).contains(otherId, point.get("id").asText());
  }

  @Test
  void aMissingBucketIsNamed() {
    String url = server.url("no-such-bucket-" + ProcessHandle.current().pid());
    cairn().run("points", "--repo", url).assertFailure(4, "no-such-bucket", "does not exist");
  }
}
