package dev.cairn.vsphere.vim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Compares a request body with a checked-in file canonically: element names with namespace URIs,
 * attributes sorted, text trimmed, whitespace between elements ignored, and element order kept (so
 * a reordered body fails).
 */
final class GoldenXml {
  private static final String WRAP_START =
      "<wrap xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">";

  private GoldenXml() {}

  static void assertMatches(String actual, String goldenResource) {
    String expected = read("/golden/" + goldenResource);
    assertThat(canonical(actual))
        .as("request body against golden/%s", goldenResource)
        .isEqualTo(canonical(expected));
  }

  static String read(String resource) {
    try (InputStream in = GoldenXml.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One line per element start, end and text, in document order. */
  static List<String> canonical(String body) {
    XMLInputFactory factory = XMLInputFactory.newFactory();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_COALESCING, true);
    List<String> lines = new ArrayList<>();
    try {
      XMLStreamReader reader =
          factory.createXMLStreamReader(new StringReader(WRAP_START + body + "</wrap>"));
      StringBuilder text = new StringBuilder();
      while (reader.hasNext()) {
        int event = reader.next();
        if (event == XMLStreamConstants.CHARACTERS) {
          text.append(reader.getText());
          continue;
        }
        if (event == XMLStreamConstants.START_ELEMENT || event == XMLStreamConstants.END_ELEMENT) {
          if (!text.toString().isBlank()) {
            lines.add("text " + text.toString().strip());
          }
          text.setLength(0);
        }
        if (event == XMLStreamConstants.START_ELEMENT) {
          TreeMap<String, String> attributes = new TreeMap<>();
          for (int i = 0; i < reader.getAttributeCount(); i++) {
            String value = reader.getAttributeValue(i);
            if (reader.getAttributeLocalName(i).equals("type")
                && "http://www.w3.org/2001/XMLSchema-instance"
                    .equals(reader.getAttributeNamespace(i))) {
              // an xsi:type QName: resolve its prefix so that "vim25:X" and "X" in urn:vim25 match
              int colon = value.indexOf(':');
              String prefix = colon < 0 ? "" : value.substring(0, colon);
              String uri = reader.getNamespaceURI(prefix);
              value = "{" + uri + "}" + value.substring(colon + 1);
            }
            attributes.put(
                "{" + reader.getAttributeNamespace(i) + "}" + reader.getAttributeLocalName(i),
                value);
          }
          lines.add("start " + reader.getName() + " " + attributes);
        } else if (event == XMLStreamConstants.END_ELEMENT) {
          lines.add("end " + reader.getName());
        }
      }
    } catch (XMLStreamException e) {
      throw new AssertionError("not well-formed: " + e.getMessage() + "\n" + body, e);
    }
    return lines;
  }
}
