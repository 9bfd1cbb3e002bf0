package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.CairnProcess.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A repository directory driven through the real CLI: {@code --repo PATH} is added to each run. */
record CairnRepository(CairnProcess cairn, Path path, String location) {
  /** A repository in a local directory. */
  CairnRepository(CairnProcess cairn, Path path) {
    this(cairn, path, path.toString());
  }

  /** A repository at a store URL (azure://, s3://); it has no local path. */
  static CairnRepository at(CairnProcess cairn, String url) {
    return new CairnRepository(cairn, null, url);
  }

  private static final AtomicInteger RESTORES = new AtomicInteger();

  /** Runs {@code cairn init} with cheap key derivation and asserts it succeeded. */
  static CairnRepository init(CairnProcess cairn, Path path) {
    Result result =
        cairn
            .run(
                "init",
                "--repo",
                path.toString(),
                "--kdf-memory-kib",
                "64",
                "--kdf-iterations",
                "1")
            .assertSuccess();
    assertThat(result.stdout()).contains("Created repository");
    assertThat(path.resolve("config")).isRegularFile();
    return new CairnRepository(cairn, path);
  }

  /** The same repository, used through another runner (another password, say). */
  CairnRepository with(CairnProcess other) {
    return new CairnRepository(other, path, location);
  }

  /** Runs {@code cairn args... --repo PATH}. */
  Result run(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.add("--repo");
    all.add(location);
    return cairn.run(all.toArray(String[]::new));
  }

  /** Starts {@code cairn args... --repo PATH} without waiting. */
  CairnProcess.Running start(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.add("--repo");
    all.add(location);
    return cairn.start(all.toArray(String[]::new));
  }

  /** {@code backup --vm VM --disk DISK extra... --json}, asserted successful; its JSON object. */
  JsonNode backup(String vm, Path disk, String... extra) {
    return backup(vm, disk.toString(), extra);
  }

  /** {@code backup --vm VM --disk DISK extra... --json} for a path or an NBD URL. */
  JsonNode backup(String vm, String disk, String... extra) {
    List<String> args = new ArrayList<>(List.of("backup", "--vm", vm, "--disk", disk));
    args.addAll(Arrays.asList(extra));
    args.add("--json");
    JsonNode point = run(args.toArray(String[]::new)).assertSuccess().json();
    assertThat(point.isObject()).as("backup --json prints an object: %s", point).isTrue();
    return point;
  }

  /** {@code points --json}, asserted successful: the array of points, oldest first. */
  JsonNode points() {
    JsonNode points = run("points", "--json").assertSuccess().json();
    assertThat(points.isArray()).as("points --json prints an array: %s", points).isTrue();
    return points;
  }

  List<String> pointIds() {
    List<String> ids = new ArrayList<>();
    points().forEach(point -> ids.add(point.get("id").asText()));
    return ids;
  }

  /** A target path in the working directory that does not exist yet. */
  Path freshTarget() {
    return cairn.workingDirectory().resolve("restored-" + RESTORES.incrementAndGet() + ".img");
  }

  /** Restores disk 0 of {@code point} (id or prefix) and asserts it equals {@code expected}. */
  void assertRestores(String point, Path expected) throws IOException {
    assertRestores(point, 0, expected);
  }

  void assertRestores(String point, int disk, Path expected) throws IOException {
    Path target = freshTarget();
    Result result =
        run(
            "restore",
            "--point",
            point,
            "--disk",
            Integer.toString(disk),
            "--to",
            target.toString());
    result.assertSuccess();
    TestImages.assertSameContent(expected, target);
    Files.delete(target);
  }

  /** {@code check} (with {@code extra} options), asserted to exit 0; what it printed. */
  String assertCheckPasses(String... extra) {
    List<String> args = new ArrayList<>(List.of("check"));
    args.addAll(Arrays.asList(extra));
    Result result = run(args.toArray(String[]::new)).assertSuccess();
    assertThat(result.stdout()).contains("No errors found");
    return result.stdout();
  }
}
