package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the real {@code cairn} CLI as a separate Java process: the same {@code java} as the test,
 * the test's class path (target/classes and every dependency under Surefire), a working directory
 * and a password given per test. Standard output and error are captured whole.
 */
final class CairnProcess {
  static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);
  private static final ObjectReader JSON =
      new ObjectMapper()
          .readerFor(JsonNode.class)
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * Most commands here handle a few MiB in a fresh JVM: the C2 compiler would cost more CPU than it
   * saves, so they run with C1 only. Tests of large images use {@link #withFullJit()}.
   */
  private static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1");

  private final Path workingDirectory;
  private final Map<String, String> environment;
  private final List<String> jvmOptions;

  private CairnProcess(
      Path workingDirectory, Map<String, String> environment, List<String> jvmOptions) {
    this.workingDirectory = workingDirectory;
    this.environment = environment;
    this.jvmOptions = jvmOptions;
  }

  /** A runner in {@code workingDirectory} whose processes get {@code CAIRN_PASSWORD=password}. */
  static CairnProcess in(Path workingDirectory, String password) {
    // The metadata cache of cloud repositories goes in the test's directory, not the user's.
    return new CairnProcess(workingDirectory, new LinkedHashMap<>(), QUICK_START)
        .withEnvironment("CAIRN_PASSWORD", password)
        .withEnvironment("CAIRN_CACHE_DIR", workingDirectory.resolve("cairn-cache").toString());
  }

  /** A copy that sets (or, with a null value, removes) one environment variable. */
  CairnProcess withEnvironment(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(environment);
    copy.put(name, value);
    return new CairnProcess(workingDirectory, copy, jvmOptions);
  }

  /** A copy whose processes run with the JVM's full JIT, as the launcher does, for large images. */
  CairnProcess withFullJit() {
    return new CairnProcess(workingDirectory, environment, List.of());
  }

  /** A copy whose processes get another {@code CAIRN_PASSWORD} (null: none at all). */
  CairnProcess withPassword(String password) {
    return withEnvironment("CAIRN_PASSWORD", password);
  }

  Path workingDirectory() {
    return workingDirectory;
  }

  /** Runs {@code cairn args...} to completion (at most {@link #DEFAULT_TIMEOUT}). */
  Result run(String... args) {
    return run(DEFAULT_TIMEOUT, args);
  }

  /** Runs {@code cairn args...}; a process still running after {@code timeout} is killed. */
  Result run(Duration timeout, String... args) {
    return start(args).await(timeout);
  }

  /** Starts {@code cairn args...} and returns at once. */
  Running start(String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:-UseOnStackReplacement"); // as the launcher
    command.addAll(jvmOptions);
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("--sun-misc-unsafe-memory-access=allow"); // as the launcher: Netty (Azure SDK)
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(CairnCommand.class.getName());
    command.addAll(Arrays.asList(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile());
    Map<String, String> env = builder.environment();
    env.remove("CAIRN_DEBUG");
    env.remove("CAIRN_PASSWORD");
    environment.forEach(
        (name, value) -> {
          if (value == null) {
            env.remove(name);
          } else {
            env.put(name, value);
          }
        });
    try {
      return new Running(String.join(" ", args), builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start " + command, e);
    }
  }

  /** A started process whose output is being collected. */
  static final class Running {
    private final String description;
    private final Process process;
    private final CompletableFuture<String> stdout;
    private final CompletableFuture<String> stderr;

    private Running(String description, Process process) {
      this.description = description;
      this.process = process;
      try {
        process.getOutputStream().close(); // no input: a password prompt would end at once
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      this.stdout = collect(process.getInputStream());
      this.stderr = collect(process.getErrorStream());
    }

    Process process() {
      return process;
    }

    boolean isAlive() {
      return process.isAlive();
    }

    /** Kills the process with SIGKILL and waits for it; returns what it printed. */
    Result kill() {
      process.destroyForcibly();
      return await(DEFAULT_TIMEOUT);
    }

    /**
     * Waits for the process to end; kills it and fails the test if it runs past {@code timeout}.
     */
    Result await(Duration timeout) {
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          process.waitFor(30, TimeUnit.SECONDS);
          throw new AssertionError(
              "cairn "
                  + description
                  + " did not end within "
                  + timeout
                  + "; stdout: "
                  + stdout.getNow("")
                  + " stderr: "
                  + stderr.getNow(""));
        }
        return new Result(
            description,
            process.exitValue(),
            stdout.get(30, TimeUnit.SECONDS),
            stderr.get(30, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new AssertionError("Interrupted while waiting for cairn " + description, e);
      } catch (ExecutionException | TimeoutException e) {
        throw new AssertionError("Cannot collect the output of cairn " + description, e);
      }
    }

    private static CompletableFuture<String> collect(InputStream stream) {
      CompletableFuture<String> result = new CompletableFuture<>();
      Thread.ofPlatform()
          .daemon()
          .start(
              () -> {
                try (stream) {
                  result.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                  result.completeExceptionally(e);
                }
              });
      return result;
    }
  }

  /** What a finished process returned and printed. */
  record Result(String command, int exitCode, String stdout, String stderr) {
    /** Asserts exit status 0 and returns this. */
    Result assertSuccess() {
      assertThat(exitCode).as("exit status of cairn %s%n%s", command, this).isZero();
      return this;
    }

    /**
     * Asserts the failure contract: exit status {@code expected}, and on standard error exactly one
     * line that starts with "cairn: " and contains every one of {@code fragments}. Returns that
     * line.
     */
    String assertFailure(int expected, String... fragments) {
      assertThat(exitCode).as("exit status of cairn %s%n%s", command, this).isEqualTo(expected);
      List<String> lines = stderr.lines().filter(line -> !line.isBlank()).toList();
      assertThat(lines).as("standard error of cairn %s", command).hasSize(1);
      String line = lines.getFirst();
      assertThat(line).startsWith("cairn: ").contains(fragments);
      return line;
    }

    /** Standard output parsed as JSON, after asserting it is one JSON document. */
    JsonNode json() {
      try {
        return JSON.readValue(stdout);
      } catch (IOException e) {
        throw new AssertionError("stdout of cairn " + command + " is not JSON: " + stdout, e);
      }
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }
  }
}
