package dev.cairn.vsphere.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command that serves one disk of a backup's snapshot over NBD on a Unix socket, written by
 * the customer with placeholders: {@code nbdkit --exit-with-parent --readonly -U {socket} vddk ...
 * file={file}}.
 *
 * <p>The template is split into arguments as a shell splits a simple command: blanks separate
 * words, {@code '...'} keeps its text as it is, {@code "..."} too except that a backslash escapes
 * {@code "} and {@code \} in it, and a backslash outside quotes escapes the next character. No
 * shell runs it, though: no variables, globs, pipes or redirections. Placeholders are replaced
 * after the split, inside the words (quoted or not), so a value such as the datastore path {@code
 * [ds 1] web/web.vmdk} is always part of exactly one argument and never shell syntax, whatever
 * characters the customer's VM and datastore names hold. A command that needs a shell belongs in
 * a script that takes the values as its arguments.
 *
 * <p>A {@code {} that does not start a {@code {name}} of letters is plain text; a {@code {name}}
 * that is not one of {@link #PLACEHOLDERS} is refused. Immutable.
 */
public final class NbdCommand {
  /** The Unix socket the command must listen on, in a directory only this user can enter. */
  public static final String SOCKET = "socket";

  /** The file Cairn writes the vCenter password into (mode 0600, deleted after the backup). */
  public static final String PASSWORD_FILE = "passwordFile";

  /** Every placeholder, in the order the documentation lists them. */
  public static final List<String> PLACEHOLDERS =
      List.of(
          SOCKET,
          "server",
          "port",
          "user",
          PASSWORD_FILE,
          "thumbprint",
          "vm",
          "snapshot",
          "file",
          "datastore",
          "path",
          "flatPath",
          "deviceKey");

  private sealed interface Part permits Text, Placeholder {}

  private record Text(String text) implements Part {}

  private record Placeholder(String name) implements Part {}

  private final List<List<Part>> words;

  private NbdCommand(List<List<Part>> words) {
    this.words = words.stream().map(List::copyOf).toList();
  }

  /**
   * Splits {@code template} into words (see the class comment).
   *
   * @throws IllegalArgumentException naming what is wrong: empty, an unclosed quote, a trailing
   *     backslash, an unknown placeholder, or no {@code {socket}}
   */
  public static NbdCommand parse(String template) {
    List<List<Part>> words = new ArrayList<>();
    List<Part> word = null;
    StringBuilder text = new StringBuilder();
    int i = 0;
    int length = template.length();
    while (i < length) {
      char c = template.charAt(i);
      if (Character.isWhitespace(c)) {
        if (word != null) {
          flush(text, word);
          words.add(word);
          word = null;
        }
        i++;
        continue;
      }
      if (word == null) {
        word = new ArrayList<>();
      }
      if (c == '\'') {
        int close = template.indexOf('\'', i + 1);
        if (close < 0) {
          throw new IllegalArgumentException("a ' quote is not closed");
        }
        appendWithPlaceholders(template.substring(i + 1, close), text, word);
        i = close + 1;
      } else if (c == '"') {
        StringBuilder quoted = new StringBuilder();
        int j = i + 1;
        while (j < length && template.charAt(j) != '"') {
          char q = template.charAt(j);
          if (q == '\\'
              && j + 1 < length
              && (template.charAt(j + 1) == '"' || template.charAt(j + 1) == '\\')) {
            quoted.append(template.charAt(j + 1));
            j += 2;
          } else {
            quoted.append(q);
            j++;
          }
        }
        if (j >= length) {
          throw new IllegalArgumentException("a \" quote is not closed");
        }
        appendWithPlaceholders(quoted.toString(), text, word);
        i = j + 1;
      } else if (c == '\\') {
        if (i + 1 >= length) {
          throw new IllegalArgumentException("it ends with a backslash");
        }
        text.append(template.charAt(i + 1));
        i += 2;
      } else {
        int end = i;
        while (end < length) {
          char u = template.charAt(end);
          if (Character.isWhitespace(u) || u == '\'' || u == '"' || u == '\\') {
            break;
          }
          end++;
        }
        appendWithPlaceholders(template.substring(i, end), text, word);
        i = end;
      }
    }
    if (word != null) {
      flush(text, word);
      words.add(word);
    }
    if (words.isEmpty()) {
      throw new IllegalArgumentException("the command is empty");
    }
    NbdCommand command = new NbdCommand(words);
    if (!command.uses(SOCKET)) {
      throw new IllegalArgumentException(
          "the command never names {socket}, the Unix socket it must listen on");
    }
    return command;
  }

  /**
   * The standard command for nbdkit's vddk plugin reading the backup's snapshot through vCenter or
   * ESXi ({@code nbdssl}, else {@code nbd}), read-only, exiting when Cairn does.
   *
   * @param libdir the VDDK distribution's directory ({@code vmware-vix-disklib-distrib}), taken as
   *     it is: braces in it are no placeholders
   */
  public static NbdCommand nbdkitVddk(String libdir) {
    List<List<Part>> words = new ArrayList<>();
    for (String word : List.of("nbdkit", "--exit-with-parent", "--readonly", "-U", "{socket}")) {
      words.add(word(word));
    }
    words.add(word("vddk"));
    words.add(List.of(new Text("libdir=" + libdir)));
    for (String parameter :
        List.of(
            "server={server}",
            "port={port}",
            "user={user}",
            "password=+{passwordFile}",
            "thumbprint={thumbprint}",
            "vm=moref={vm}",
            "snapshot={snapshot}",
            "transports=nbdssl:nbd",
            "file={file}")) {
      words.add(word(parameter));
    }
    return new NbdCommand(words);
  }

  /** Whether the command names {@code placeholder} (one of {@link #PLACEHOLDERS}). */
  public boolean uses(String placeholder) {
    return words.stream()
        .flatMap(List::stream)
        .anyMatch(part -> part instanceof Placeholder(String name) && name.equals(placeholder));
  }

  /**
   * The arguments with every placeholder replaced by its value.
   *
   * @throws IllegalArgumentException naming a placeholder the command uses that {@code values}
   *     lacks
   */
  public List<String> arguments(Map<String, String> values) {
    List<String> arguments = new ArrayList<>();
    for (List<Part> word : words) {
      StringBuilder argument = new StringBuilder();
      for (Part part : word) {
        switch (part) {
          case Text(String text) -> argument.append(text);
          case Placeholder(String name) -> {
            String value = values.get(name);
            if (value == null) {
              throw new IllegalArgumentException("no value for {" + name + "}");
            }
            argument.append(value);
          }
        }
      }
      arguments.add(argument.toString());
    }
    return List.copyOf(arguments);
  }

  /** One word from text without quotes or blanks, its placeholders as parts. */
  private static List<Part> word(String text) {
    List<Part> word = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    appendWithPlaceholders(text, literal, word);
    flush(literal, word);
    return word;
  }

  /** Appends {@code chunk} to the word being built, turning each {@code {name}} into a part. */
  private static void appendWithPlaceholders(String chunk, StringBuilder text, List<Part> word) {
    int i = 0;
    while (i < chunk.length()) {
      char c = chunk.charAt(i);
      int close = c == '{' ? chunk.indexOf('}', i + 1) : -1;
      if (close > i + 1 && isName(chunk, i + 1, close)) {
        String name = chunk.substring(i + 1, close);
        if (!PLACEHOLDERS.contains(name)) {
          throw new IllegalArgumentException(
              "{"
                  + name
                  + "} is no placeholder (they are {"
                  + String.join("}, {", PLACEHOLDERS)
                  + "})");
        }
        flush(text, word);
        word.add(new Placeholder(name));
        i = close + 1;
      } else {
        text.append(c);
        i++;
      }
    }
  }

  private static boolean isName(String chunk, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = chunk.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
        return false;
      }
    }
    return true;
  }

  private static void flush(StringBuilder text, List<Part> word) {
    if (!text.isEmpty()) {
      word.add(new Text(text.toString()));
      text.setLength(0);
    }
  }
}
