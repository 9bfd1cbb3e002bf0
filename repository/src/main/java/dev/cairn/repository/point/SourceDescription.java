package dev.cairn.repository.point;

/**
 * Where the disks were read from.
 *
 * @param kind "file" for images and block devices; connectors add "nbd", "qemu", "vsphere"
 * @param description a human description without secrets (paths, URLs)
 */
public record SourceDescription(String kind, String description) {}
