package dev.cairn.vsphere.vim;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import java.util.List;

/**
 * A ready HTTP NFC lease (HttpNfcLeaseInfo): the VM being imported ({@code entity}) and where each
 * disk is uploaded. A device URL whose host is {@code *} means "the server you asked" (replace it
 * with the vCenter or ESXi host). The lease expires unless {@code HttpNfcLeaseProgress} is called
 * within {@code leaseTimeoutSeconds}.
 */
public record NfcLease(
    ManagedObjectReference lease,
    ManagedObjectReference entity,
    List<DeviceUrl> deviceUrls,
    long totalDiskCapacityKb,
    int leaseTimeoutSeconds) {
  public NfcLease {
    deviceUrls = List.copyOf(deviceUrls);
  }

  /**
   * Where one device's file goes.
   *
   * @param key the device's key in the lease
   * @param importKey the key of the import spec's device (for a hand-made spec, what the server
   *     assigned)
   * @param sslThumbprint the SHA-1 thumbprint vSphere gives for the URL's host (may be empty)
   */
  public record DeviceUrl(
      String key,
      String importKey,
      String url,
      String sslThumbprint,
      boolean disk,
      String targetId) {}
}
