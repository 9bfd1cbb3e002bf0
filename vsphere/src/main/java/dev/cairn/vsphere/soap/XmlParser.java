package dev.cairn.vsphere.soap;

import java.io.ByteArrayInputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Parses a whole reply (already read, so already bounded in size) into an {@link XmlNode} tree with
 * StAX. DTDs and external entities are refused: a reply is data, never a reference to fetch.
 * Nesting deeper than {@value #MAX_DEPTH} is refused too.
 */
public final class XmlParser {
  static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";
  static final int MAX_DEPTH = 512;
  private static final XMLInputFactory FACTORY = newFactory();

  private XmlParser() {}

  private static XMLInputFactory newFactory() {
    XMLInputFactory factory = XMLInputFactory.newFactory();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
    factory.setProperty(XMLInputFactory.IS_COALESCING, true);
    return factory;
  }

  /**
   * The document element of {@code xml}.
   *
   * @throws MalformedReplyException when it is not well-formed XML (truncated, DTD, too deep)
   */
  public static XmlNode parse(byte[] xml) throws MalformedReplyException {
    XMLStreamReader reader = null;
    try {
      reader = FACTORY.createXMLStreamReader(new ByteArrayInputStream(xml));
      Deque<Builder> open = new ArrayDeque<>();
      XmlNode root = null;
      while (reader.hasNext()) {
        int event = reader.next();
        switch (event) {
          case XMLStreamConstants.START_ELEMENT -> {
            if (open.size() >= MAX_DEPTH) {
              throw new MalformedReplyException("the reply nests deeper than " + MAX_DEPTH);
            }
            open.push(Builder.of(reader));
          }
          case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA -> {
            if (!open.isEmpty()) {
              open.peek().text.append(reader.getText());
            }
          }
          case XMLStreamConstants.END_ELEMENT -> {
            XmlNode node = open.pop().build();
            if (open.isEmpty()) {
              root = node;
            } else {
              open.peek().children.add(node);
            }
          }
          case XMLStreamConstants.DTD ->
              throw new MalformedReplyException("the reply declares a DTD");
          default -> {}
        }
      }
      if (root == null) {
        throw new MalformedReplyException("the reply holds no XML element");
      }
      return root;
    } catch (XMLStreamException e) {
      String reason = e.getMessage() == null ? "not well-formed" : e.getMessage();
      throw new MalformedReplyException("the reply is not well-formed XML: " + oneLine(reason), e);
    } finally {
      if (reader != null) {
        try {
          reader.close();
        } catch (XMLStreamException ignored) {
          // nothing is held open: the input is a byte array
        }
      }
    }
  }

  private static String oneLine(String text) {
    return XmlNode.shorten(text.replaceAll("\\s+", " ").trim());
  }

  private static final class Builder {
    final String name;
    final String xsiType;
    final Map<String, String> attributes;
    final StringBuilder text = new StringBuilder();
    final List<XmlNode> children = new ArrayList<>();

    private Builder(String name, String xsiType, Map<String, String> attributes) {
      this.name = name;
      this.xsiType = xsiType;
      this.attributes = attributes;
    }

    static Builder of(XMLStreamReader reader) {
      String xsiType = null;
      Map<String, String> attributes = new LinkedHashMap<>();
      for (int i = 0; i < reader.getAttributeCount(); i++) {
        String local = reader.getAttributeLocalName(i);
        String value = reader.getAttributeValue(i);
        if (XSI.equals(reader.getAttributeNamespace(i)) && local.equals("type")) {
          xsiType = value.substring(value.indexOf(':') + 1);
        } else {
          attributes.put(local, value);
        }
      }
      return new Builder(reader.getLocalName(), xsiType, attributes);
    }

    XmlNode build() {
      String content = children.isEmpty() ? text.toString().strip() : "";
      return new XmlNode(name, xsiType, attributes, content, children);
    }
  }
}
