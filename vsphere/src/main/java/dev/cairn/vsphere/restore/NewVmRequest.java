package dev.cairn.vsphere.restore;

import java.util.Map;

/**
 * Where and how a restore point becomes a new VM: what the user asked for, before it is resolved
 * against the inventory ({@link Placement}).
 *
 * @param vmName the new VM's name; no VM of that name may exist in the target datacenter
 * @param datastore the datastore (by name) that holds the VM's files and disks
 * @param host a host (by name) to place the VM on, or null
 * @param resourcePool a resource pool (by name or inventory path) the VM joins, or null; without it
 *     and {@code host}, the datacenter's only root pool
 * @param folder a VM folder (by name or inventory path), or null for the datacenter's VM folder
 * @param networkMap the network each adapter's original network is connected to instead (original
 *     name to new name); an empty new name drops the adapter; unmapped networks keep their name
 * @param powerOn power the VM on once its disks are uploaded
 * @param keepMacAddresses keep the adapters' recorded MAC addresses (for a VM that replaces a lost
 *     original; two running VMs with one MAC break the network) instead of new generated ones
 */
public record NewVmRequest(
    String vmName,
    String datastore,
    String host,
    String resourcePool,
    String folder,
    Map<String, String> networkMap,
    boolean powerOn,
    boolean keepMacAddresses) {
  public NewVmRequest {
    if (vmName == null || vmName.isBlank()) {
      throw new IllegalArgumentException("a new VM needs a name");
    }
    if (datastore == null || datastore.isBlank()) {
      throw new IllegalArgumentException("a new VM needs a datastore");
    }
    networkMap = Map.copyOf(networkMap);
  }
}
