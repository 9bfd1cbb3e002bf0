package dev.cairn.vsphere.soap;

import java.util.Objects;

/**
 * A managed object reference: the object's type ({@code VirtualMachine}, {@code Folder}) and its
 * server-side id ({@code vm-42}, {@code group-d1}). Printed as {@code type:value}.
 */
public record ManagedObjectReference(String type, String value) {
  public ManagedObjectReference {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(value, "value");
  }

  /**
   * Reads a reference element ({@code <obj type="VirtualMachine">vm-42</obj>}).
   *
   * @throws MalformedReplyException when the element carries no {@code type} attribute
   */
  public static ManagedObjectReference of(XmlNode node) throws MalformedReplyException {
    String type =
        node.attribute("type")
            .orElseThrow(
                () ->
                    new MalformedReplyException(
                        "element " + node.name() + " is not a managed object reference"));
    return new ManagedObjectReference(type, node.text());
  }

  /** Writes this reference as element {@code name}. */
  public XmlWriter writeTo(XmlWriter writer, String name) {
    return writer.reference(name, type, value);
  }

  @Override
  public String toString() {
    return type + ":" + value;
  }
}
