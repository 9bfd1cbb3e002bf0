package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;

/**
 * One network adapter of a VM.
 *
 * @param type the vim25 type ({@code VirtualVmxnet3}, {@code VirtualE1000e}...)
 * @param networkName the port group's name (from the network, or the backing's device name)
 * @param network the network, or null (a distributed port group shows its switch and key instead)
 * @param switchUuid the distributed switch's uuid, empty for other backings
 * @param portgroupKey the distributed port group's key, empty for other backings
 * @param macAddress the MAC address, empty when none was assigned yet
 */
public record VmNic(
    int key,
    String label,
    String type,
    String networkName,
    ManagedObjectReference network,
    String switchUuid,
    String portgroupKey,
    String macAddress,
    String addressType,
    boolean startConnected) {}
