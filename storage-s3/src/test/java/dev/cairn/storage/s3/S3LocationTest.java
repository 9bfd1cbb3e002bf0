package dev.cairn.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How {@code s3://} URLs name an endpoint, a bucket and a prefix. */
class S3LocationTest {

  @ParameterizedTest
  @CsvSource({
    "s3://bucket,                         ,                        bucket,    ''",
    "s3://bucket/,                        ,                        bucket,    ''",
    "s3://my.dotted.bucket/a/b,           ,                        my.dotted.bucket, a/b",
    "s3://127.0.0.1:9090/bucket/prefix,   http://127.0.0.1:9090,   bucket,    prefix",
    "s3://localhost:9000/b-1,             http://localhost:9000,   b-1,       ''",
    "s3://s3.example.net:443/bucket/x/y,  https://s3.example.net:443, bucket, x/y",
  })
  void anEndpointIsAFirstSegmentWithAPort(
      String url, String endpoint, String bucket, String prefix) {
    S3Location location = S3Location.parse(url, Optional.empty());

    assertThat(location.endpoint()).isEqualTo(Optional.ofNullable(endpoint).map(URI::create));
    assertThat(location.bucket()).isEqualTo(bucket);
    assertThat(location.prefix()).isEqualTo(prefix);
    assertThat(S3Location.parse(location.toString(), Optional.empty())).isEqualTo(location);
  }

  @ParameterizedTest
  @CsvSource({
    "s3://bucket/p,  https://minio.example.net,       s3://minio.example.net:443/bucket/p",
    "s3://bucket,    http://10.0.0.5:9000,            s3://10.0.0.5:9000/bucket",
    "s3://127.0.0.1:9090/bucket, http://127.0.0.1:9090, s3://127.0.0.1:9090/bucket",
  })
  void anExplicitEndpointAppliesAndTheLocationAlwaysShowsItsPort(
      String url, String explicit, String location) {
    assertThat(S3Location.parse(url, Optional.of(explicit)).toString()).isEqualTo(location);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "s3://",
        "bucket/x",
        "azure://bucket",
        "s3:///bucket",
        "s3://bucket//x",
        "s3://127.0.0.1:9090",
        "s3://b",
        "s3://bucket/../x",
        "s3://bucket/.hidden",
        "s3://key:secret@host:1/bucket",
        "s3://bucket/x?secret=1",
      })
  void malformedUrlsAreRejectedNamingTheUrl(String url) {
    assertThatThrownBy(() -> S3Location.parse(url, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid S3 location '" + url + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://host:21", "http://host/path", "not a url", "http://u:p@host:1"})
  void explicitEndpointsMustBeHttpUrlsOfAHost(String endpoint) {
    assertThatThrownBy(() -> S3Location.parse("s3://bucket", Optional.of(endpoint)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("s3://bucket");
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3://127.0.0.1:9090/bucket"})
  void aUrlEndpointAndADifferentExplicitOneConflict(String url) {
    assertThatThrownBy(() -> S3Location.parse(url, Optional.of("http://127.0.0.1:9091")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("differs");
  }
}
