package dev.cairn.vsphere.backup;

import java.util.Optional;

/**
 * What Changed Block Tracking needs to know of one virtual disk, now or as a restore point recorded
 * it.
 *
 * @param deviceKey the disk's device key in the VM (stable while the disk stays attached)
 * @param diskUuid the backing's uuid, or empty when vSphere reports none; a different uuid under
 *     the same key means the disk was replaced
 * @param capacityBytes the disk's capacity
 * @param changeId the disk's change id (at the snapshot, for the current state), or empty
 */
public record TrackedDisk(
    int deviceKey, Optional<String> diskUuid, long capacityBytes, Optional<ChangeId> changeId) {}
