package dev.cairn.vsphere.vim;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import java.util.Optional;

/**
 * The service's entry points Cairn uses. The optional ones are absent on servers that lack them (a
 * standalone ESXi host has no custom fields manager in some versions).
 */
public record ServiceContent(
    ManagedObjectReference rootFolder,
    ManagedObjectReference propertyCollector,
    ManagedObjectReference viewManager,
    AboutInfo about,
    ManagedObjectReference sessionManager,
    Optional<ManagedObjectReference> authorizationManager,
    Optional<ManagedObjectReference> customFieldsManager,
    Optional<ManagedObjectReference> searchIndex,
    Optional<ManagedObjectReference> fileManager,
    Optional<ManagedObjectReference> virtualDiskManager,
    Optional<ManagedObjectReference> ovfManager) {}
