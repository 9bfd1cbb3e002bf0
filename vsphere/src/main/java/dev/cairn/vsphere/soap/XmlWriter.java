package dev.cairn.vsphere.soap;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes a vim25 request body: the method element in the {@code urn:vim25} namespace and its
 * arguments, each written by hand-written code in the order the WSDL declares (vCenter rejects
 * elements out of order). Values are escaped; nothing is reordered or added. Not thread-safe.
 */
public final class XmlWriter {
  private final StringBuilder xml = new StringBuilder(256);
  private final Deque<String> open = new ArrayDeque<>();

  private XmlWriter() {}

  /** Starts the body of a call to {@code method} ({@code <method xmlns="urn:vim25">}). */
  public static XmlWriter request(String method) {
    XmlWriter writer = new XmlWriter();
    writer.xml.append('<').append(method).append(" xmlns=\"urn:vim25\">");
    writer.open.push(method);
    return writer;
  }

  /** Opens {@code name}. */
  public XmlWriter start(String name) {
    xml.append('<').append(name).append('>');
    open.push(name);
    return this;
  }

  /** Opens {@code name} with {@code xsi:type="type"} (a subtype where the WSDL names a base). */
  public XmlWriter start(String name, String type) {
    xml.append('<').append(name).append(" xsi:type=\"").append(escape(type)).append("\">");
    open.push(name);
    return this;
  }

  /** Closes the element opened last. */
  public XmlWriter end() {
    xml.append("</").append(open.pop()).append('>');
    return this;
  }

  /** {@code <name>text</name>}. */
  public XmlWriter element(String name, String text) {
    xml.append('<').append(name).append('>').append(escape(text)).append("</").append(name);
    xml.append('>');
    return this;
  }

  /** {@code <name>value</name>}. */
  public XmlWriter element(String name, long value) {
    return element(name, Long.toString(value));
  }

  /** {@code <name>true|false</name>}. */
  public XmlWriter element(String name, boolean value) {
    return element(name, Boolean.toString(value));
  }

  /** The element when {@code text} is not null; nothing otherwise (an optional field). */
  public XmlWriter optional(String name, String text) {
    return text == null ? this : element(name, text);
  }

  /** The element when {@code value} is not null; nothing otherwise (an optional field). */
  public XmlWriter optional(String name, Long value) {
    return value == null ? this : element(name, value);
  }

  /** The element when {@code value} is not null; nothing otherwise (an optional field). */
  public XmlWriter optional(String name, Integer value) {
    return value == null ? this : element(name, value.longValue());
  }

  /** The element when {@code value} is not null; nothing otherwise (an optional field). */
  public XmlWriter optional(String name, Boolean value) {
    return value == null ? this : element(name, value.booleanValue());
  }

  /** A managed object reference: {@code <name type="type">value</name>}. */
  public XmlWriter reference(String name, String type, String value) {
    xml.append('<').append(name).append(" type=\"").append(escape(type)).append("\">");
    xml.append(escape(value)).append("</").append(name).append('>');
    return this;
  }

  /** The body, with every open element closed. */
  public String finish() {
    while (!open.isEmpty()) {
      end();
    }
    return xml.toString();
  }

  /** XML text and attribute escaping. */
  public static String escape(String text) {
    StringBuilder escaped = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String replacement =
          switch (c) {
            case '<' -> "&lt;";
            case '>' -> "&gt;";
            case '&' -> "&amp;";
            case '"' -> "&quot;";
            case '\'' -> "&apos;";
            default -> null;
          };
      if (replacement != null || escaped != null) {
        if (escaped == null) {
          escaped = new StringBuilder(text.length() + 16).append(text, 0, i);
        }
        escaped.append(replacement != null ? replacement : String.valueOf(c));
      }
    }
    return escaped == null ? text : escaped.toString();
  }
}
