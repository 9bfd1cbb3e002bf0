package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Passwords: add one, change one, and the slot in use cannot be removed. */
class KeyEndToEndTest {
  @TempDir Path directory;

  /** What {@code key list} prints: every slot id, and the one in use (marked by a star). */
  private record Slots(List<String> all, String inUse) {
    static Slots of(CairnRepository repository) {
      String listing = repository.run("key", "list").assertSuccess().stdout();
      List<String> lines = listing.lines().filter(line -> !line.isBlank()).toList();
      List<String> inUse = lines.stream().filter(line -> line.startsWith("*")).toList();
      assertThat(inUse).as("one slot in use in%n%s", listing).hasSize(1);
      return new Slots(lines.stream().map(Slots::id).toList(), id(inUse.getFirst()));
    }

    private static String id(String line) {
      return line.substring(2).split("\\s+")[0];
    }
  }

  @Test
  void addChangeAndRemovePasswords() throws IOException {
    CairnProcess first = CairnProcess.in(directory, "first password");
    CairnRepository repository = CairnRepository.init(first, directory.resolve("repo"));
    Path image = TestImages.mixed(directory.resolve("disk.img"), TestImages.MIB + 5, 41);
    String point = repository.backup("web-01", image).path("id").asText();
    Slots initial = Slots.of(repository);
    String initialSlot = initial.inUse();
    assertThat(initial.all()).containsExactly(initialSlot);

    Path secondFile = Files.writeString(directory.resolve("second.txt"), "second password\n");
    repository.run("key", "add", "--new-password-file", secondFile.toString()).assertSuccess();
    assertThat(repository.pointIds()).as("the first password still opens").containsExactly(point);
    CairnRepository second = repository.with(first.withPassword("second password"));
    Slots afterAdd = Slots.of(second);
    String secondSlot = afterAdd.inUse();
    assertThat(afterAdd.all()).containsExactlyInAnyOrder(initialSlot, secondSlot);

    Path thirdFile = Files.writeString(directory.resolve("third.txt"), "third password\n");
    second.run("key", "passwd", "--new-password-file", thirdFile.toString()).assertSuccess();
    second.run("points").assertFailure(3, "wrong password");
    CairnRepository third = repository.with(first.withPassword("third password"));
    assertThat(third.pointIds()).containsExactly(point);
    Slots afterPasswd = Slots.of(third);
    String thirdSlot = afterPasswd.inUse();
    assertThat(afterPasswd.all()).containsExactlyInAnyOrder(initialSlot, thirdSlot);

    third.run("key", "remove", thirdSlot).assertFailure(2, thirdSlot, "in use");
    third.run("key", "remove", initialSlot).assertSuccess();
    assertThat(Slots.of(third).all()).containsExactly(thirdSlot);
    repository.run("points").assertFailure(3, "wrong password");
    third.assertRestores(point, image);
    third.assertCheckPasses();
  }
}
