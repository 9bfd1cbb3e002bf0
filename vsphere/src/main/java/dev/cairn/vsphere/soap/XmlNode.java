package dev.cairn.vsphere.soap;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One element of a parsed reply: its local name, its {@code xsi:type} (local part, or null when
 * absent), its other attributes by local name, its text (trimmed; empty for elements with children)
 * and its child elements in document order. Immutable.
 */
public record XmlNode(
    String name,
    String xsiType,
    Map<String, String> attributes,
    String text,
    List<XmlNode> children) {

  public XmlNode {
    attributes = Map.copyOf(attributes);
    children = List.copyOf(children);
  }

  /** The first child named {@code childName}, if any. */
  public Optional<XmlNode> child(String childName) {
    for (XmlNode child : children) {
      if (child.name.equals(childName)) {
        return Optional.of(child);
      }
    }
    return Optional.empty();
  }

  /**
   * The first child named {@code childName}.
   *
   * @throws MalformedReplyException when there is none
   */
  public XmlNode required(String childName) throws MalformedReplyException {
    return child(childName)
        .orElseThrow(() -> new MalformedReplyException("element " + name + " has no " + childName));
  }

  /** Every child named {@code childName}, in document order. */
  public List<XmlNode> all(String childName) {
    return children.stream().filter(child -> child.name.equals(childName)).toList();
  }

  /** The text of the first child named {@code childName}, if that child exists. */
  public Optional<String> text(String childName) {
    return child(childName).map(XmlNode::text);
  }

  /** The text of the first child named {@code childName}, or {@code fallback}. */
  public String text(String childName, String fallback) {
    return text(childName).orElse(fallback);
  }

  /** The child's text as a long, or {@code fallback} when absent. */
  public long longValue(String childName, long fallback) throws MalformedReplyException {
    Optional<String> value = text(childName);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      return Long.parseLong(value.get());
    } catch (NumberFormatException e) {
      throw new MalformedReplyException(
          "element " + name + "/" + childName + " is not a number: " + shorten(value.get()));
    }
  }

  /** The child's text as a boolean ({@code true} or {@code 1}), or {@code fallback} when absent. */
  public boolean booleanValue(String childName, boolean fallback) {
    return text(childName).map(value -> value.equals("true") || value.equals("1")).orElse(fallback);
  }

  /** An attribute by local name, if present. */
  public Optional<String> attribute(String localName) {
    return Optional.ofNullable(attributes.get(localName));
  }

  /** The type of this element: its {@code xsi:type} when given, else its name. */
  public String typeOrName() {
    return xsiType != null ? xsiType : name;
  }

  static String shorten(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }

  @Override
  public String toString() {
    return "<" + name + (xsiType == null ? "" : " xsi:type=" + xsiType) + ">";
  }
}
