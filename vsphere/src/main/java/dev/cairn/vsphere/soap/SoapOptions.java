package dev.cairn.vsphere.soap;

import java.time.Duration;

/**
 * Limits of a {@link SoapTransport}.
 *
 * @param connectTimeout how long to wait for the TCP and TLS connection
 * @param callTimeout how long one call may take, reply body included (a long wait such as {@code
 *     WaitForUpdatesEx} adds its own wait on top)
 * @param maxReplyBytes a reply body larger than this is refused (a runaway reply must not exhaust
 *     memory)
 * @param apiVersion the vim25 version to announce, or null to negotiate (see {@link
 *     SoapTransport#negotiateVersion})
 */
public record SoapOptions(
    Duration connectTimeout, Duration callTimeout, long maxReplyBytes, String apiVersion) {
  /** 64 MiB: a RetrievePropertiesEx page of a few thousand VMs stays far below. */
  public static final long DEFAULT_MAX_REPLY_BYTES = 64L << 20;

  public SoapOptions {
    if (maxReplyBytes <= 0) {
      throw new IllegalArgumentException("maxReplyBytes must be positive: " + maxReplyBytes);
    }
  }

  /** 30 s to connect, 5 min per call, 64 MiB per reply, version negotiated. */
  public static SoapOptions defaults() {
    return new SoapOptions(
        Duration.ofSeconds(30), Duration.ofMinutes(5), DEFAULT_MAX_REPLY_BYTES, null);
  }

  public SoapOptions withCallTimeout(Duration timeout) {
    return new SoapOptions(connectTimeout, timeout, maxReplyBytes, apiVersion);
  }

  public SoapOptions withMaxReplyBytes(long bytes) {
    return new SoapOptions(connectTimeout, callTimeout, bytes, apiVersion);
  }

  public SoapOptions withApiVersion(String version) {
    return new SoapOptions(connectTimeout, callTimeout, maxReplyBytes, version);
  }
}
