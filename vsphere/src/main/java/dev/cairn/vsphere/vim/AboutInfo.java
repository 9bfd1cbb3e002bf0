package dev.cairn.vsphere.vim;

/**
 * What the server is: {@code apiType} is {@code VirtualCenter} for vCenter and {@code HostAgent}
 * for a standalone ESXi host.
 */
public record AboutInfo(
    String name,
    String fullName,
    String version,
    String build,
    String apiType,
    String apiVersion,
    String instanceUuid) {

  /** Whether this is vCenter (rather than one ESXi host). */
  public boolean isVcenter() {
    return "VirtualCenter".equals(apiType);
  }
}
