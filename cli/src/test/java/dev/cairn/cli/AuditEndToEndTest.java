package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sensitive actions leave an audit entry, in order, without secrets. */
class AuditEndToEndTest {
  @TempDir Path directory;

  @Test
  void sensitiveActionsAreAuditedInOrderWithoutSecrets() throws Exception {
    CairnProcess cairn = CairnProcess.in(directory, "audit password 1");
    CairnRepository repository = CairnRepository.init(cairn, directory.resolve("repo"));
    Path disk = TestImages.mixed(directory.resolve("disk.img"), 2 * 1024 * 1024 + 77, 5);
    Path newPassword = directory.resolve("new-password");
    Files.writeString(newPassword, "audit password 2\n");
    repository.run("key", "add", "--new-password-file", newPassword.toString()).assertSuccess();
    String first = repository.backup("vm", disk).get("id").asText();
    repository.backup("vm", disk);
    repository.assertRestores(first, disk);
    repository.run("forget", "--keep-last", "1").assertSuccess();
    repository.run("prune").assertSuccess();

    CairnProcess.Result result = repository.run("audit", "--json").assertSuccess();

    JsonNode events = new ObjectMapper().readTree(result.stdout());
    List<String> actions = new ArrayList<>();
    events.forEach(event -> actions.add(event.get("action").asText()));
    assertThat(actions).containsExactly("repository.init", "key.add", "restore", "forget", "prune");
    assertThat(events.get(3).get("details").get("forgotten").asText()).isEqualTo(first);
    assertThat(events.get(2).get("details").get("point").asText()).isEqualTo(first);
    assertThat(events.get(0).get("pid").asLong()).isPositive();
    assertThat(result.stdout()).doesNotContain("audit password");
  }
}
