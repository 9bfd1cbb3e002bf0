package dev.cairn.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The module's dependency rule, checked without ArchUnit: its code depends on the JDK, the storage
 * SPI and the Azure SDK (including Reactor, which the SDK's pipeline API exposes), and its pom
 * declares nothing else outside the test scope. Keeping other Cairn modules out keeps the SDK out
 * of them.
 */
class ModuleDependencyTest {
  private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)");
  private static final List<String> ALLOWED =
      List.of("java.", "dev.cairn.storage.", "com.azure.", "reactor.core.publisher.");

  @Test
  void mainCodeImportsOnlyTheJdkTheStorageSpiAndTheAzureSdk() throws IOException {
    List<String> violations = new ArrayList<>();
    Path sources = Path.of("src/main/java");
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        for (String line : Files.readAllLines(file)) {
          Matcher matcher = IMPORT.matcher(line);
          if (matcher.find() && ALLOWED.stream().noneMatch(matcher.group(1)::startsWith)) {
            violations.add(sources.relativize(file) + ": " + line);
          }
          if (line.matches(".*\\bdev\\.cairn\\.(?!storage\\b)\\w+.*")) {
            violations.add(sources.relativize(file) + ": " + line);
          }
        }
      }
    }
    assertThat(violations).isEmpty();
  }

  @Test
  void thePomDeclaresOnlyCairnStorageAndTheAzureSdkOutsideTests() throws Exception {
    Element project =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(Path.of("pom.xml").toFile())
            .getDocumentElement();
    Element dependencies = null; // the project's own, not those of dependencyManagement
    for (int i = 0; i < project.getChildNodes().getLength(); i++) {
      if (project.getChildNodes().item(i) instanceof Element child
          && child.getTagName().equals("dependencies")) {
        dependencies = child;
      }
    }
    assertThat(dependencies).isNotNull();
    List<String> declared = new ArrayList<>();
    NodeList list = dependencies.getElementsByTagName("dependency");
    for (int i = 0; i < list.getLength(); i++) {
      Element dependency = (Element) list.item(i);
      if (dependency.getParentNode() != dependencies || "test".equals(text(dependency, "scope"))) {
        continue;
      }
      declared.add(text(dependency, "groupId") + ":" + text(dependency, "artifactId"));
    }
    assertThat(declared)
        .isNotEmpty()
        .allMatch(
            coordinate ->
                coordinate.equals("dev.cairn:cairn-storage")
                    || coordinate.startsWith("com.azure:"));
  }

  private static String text(Element element, String tag) {
    NodeList nodes = element.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
  }
}
