package dev.cairn.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;

/**
 * The archive contract on a versioned bucket of {@link FakeS3Endpoint}: every change of class is a
 * copy that makes a new version, and the superseded one is deleted, so that no test leaves an old
 * version billed behind.
 */
class S3VersionedArchiveContractTest extends S3ArchiveContractTest {
  @Override
  boolean versioned() {
    return true;
  }

  @AfterEach
  void noSupersededVersionIsLeft() {
    for (String key : endpoint.keys(bucket)) {
      assertThat(endpoint.versions(bucket, key)).as("versions of %s", key).hasSize(1);
    }
  }
}
