package dev.cairn.vsphere.vim;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.VimFault;
import dev.cairn.vsphere.soap.XmlNode;
import java.util.Map;
import java.util.Optional;

/**
 * The retrieved properties of one object: each property's {@code <val>} element by path, and the
 * properties the server could not read (a fault each, such as {@code NoPermission}).
 */
public record ObjectContent(
    ManagedObjectReference obj, Map<String, XmlNode> properties, Map<String, VimFault> missing) {
  public ObjectContent {
    properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
    missing = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(missing));
  }

  /** The value of property {@code path}, if retrieved and set. */
  public Optional<XmlNode> get(String path) {
    return Optional.ofNullable(properties.get(path));
  }

  /** The text of property {@code path} (for simple types), if retrieved and set. */
  public Optional<String> text(String path) {
    return get(path).map(XmlNode::text);
  }
}
