package dev.cairn.repository.point;

/**
 * Which VM a restore point belongs to.
 *
 * @param name the name people use; retention groups points by it
 * @param id the hypervisor's stable id when known (vSphere instance UUID, libvirt UUID), else null
 */
public record VmIdentity(String name, String id) {}
