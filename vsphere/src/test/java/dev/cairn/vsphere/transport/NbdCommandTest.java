package dev.cairn.vsphere.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Splitting an NBD command template into words and filling in its placeholders. */
class NbdCommandTest {
  private static Map<String, String> values() {
    Map<String, String> values = new HashMap<>();
    for (String name : NbdCommand.PLACEHOLDERS) {
      values.put(name, "<" + name + ">");
    }
    return values;
  }

  @Test
  void splitsLikeAShellWithQuotesAndBackslashes() {
    NbdCommand command =
        NbdCommand.parse("  a 'b  c' \"d \\\"e\\\" \\x\" f\\ g h''i '' -U {socket}");

    assertThat(command.arguments(values()))
        .containsExactly("a", "b  c", "d \"e\" \\x", "f g", "hi", "", "-U", "<socket>");
  }

  @Test
  void aValueIsAlwaysPartOfOneArgumentAndNeverShellSyntax() {
    NbdCommand command =
        NbdCommand.parse("nbdkit -U {socket} vddk 'file={file}' vm=moref={vm} {datastore}");
    Map<String, String> values = values();
    values.put("file", "[ds 1] it's $(rm -rf x); `y` *.vmdk");
    values.put("datastore", "ds 1");

    assertThat(command.arguments(values))
        .containsExactly(
            "nbdkit",
            "-U",
            "<socket>",
            "vddk",
            "file=[ds 1] it's $(rm -rf x); `y` *.vmdk",
            "vm=moref=<vm>",
            "ds 1");
  }

  @Test
  void bracesThatAreNoNameStayText() {
    NbdCommand command = NbdCommand.parse("x {socket} {} {1} { socket} {socket");

    assertThat(command.arguments(values()))
        .containsExactly("x", "<socket>", "{}", "{1}", "{", "socket}", "{socket");
  }

  @Test
  void refusesUnknownPlaceholdersAndCommandsWithoutTheSocket() {
    assertThatThrownBy(() -> NbdCommand.parse("nbdkit -U {socket} file={fiel}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("{fiel} is no placeholder")
        .hasMessageContaining("{flatPath}");
    assertThatThrownBy(() -> NbdCommand.parse("nbdkit -U /tmp/x.sock file {file}"))
        .hasMessageContaining("never names {socket}");
    assertThatThrownBy(() -> NbdCommand.parse("   ")).hasMessageContaining("empty");
    assertThatThrownBy(() -> NbdCommand.parse("a 'b {socket}"))
        .hasMessageContaining("' quote is not closed");
    assertThatThrownBy(() -> NbdCommand.parse("a \"b {socket}"))
        .hasMessageContaining("\" quote is not closed");
    assertThatThrownBy(() -> NbdCommand.parse("a {socket} \\"))
        .hasMessageContaining("ends with a backslash");
  }

  @Test
  void aMissingValueIsNamed() {
    NbdCommand command = NbdCommand.parse("x {socket} {thumbprint}");

    assertThatThrownBy(() -> command.arguments(Map.of("socket", "s")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("{thumbprint}");
    assertThat(command.uses("thumbprint")).isTrue();
    assertThat(command.uses(NbdCommand.PASSWORD_FILE)).isFalse();
  }

  @Test
  void theVddkShorthandIsTheDocumentedCommandWithItsLibdirTakenLiterally() {
    NbdCommand command = NbdCommand.nbdkitVddk("/opt/vddk {vm} dir");

    assertThat(command.uses(NbdCommand.PASSWORD_FILE)).isTrue();
    assertThat(command.arguments(values()))
        .containsExactly(
            "nbdkit",
            "--exit-with-parent",
            "--readonly",
            "-U",
            "<socket>",
            "vddk",
            "libdir=/opt/vddk {vm} dir",
            "server=<server>",
            "port=<port>",
            "user=<user>",
            "password=+<passwordFile>",
            "thumbprint=<thumbprint>",
            "vm=moref=<vm>",
            "snapshot=<snapshot>",
            "transports=nbdssl:nbd",
            "file=<file>");
  }
}
