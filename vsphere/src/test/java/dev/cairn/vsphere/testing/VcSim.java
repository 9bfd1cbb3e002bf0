package dev.cairn.vsphere.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;

/**
 * A running {@code cairn-vcsim} (govmomi's vCenter simulator with Cairn's extensions) for one test
 * class: started on 127.0.0.1 with a port the OS chose, killed on {@link #close()}. It also ends by
 * itself when this JVM dies, because it exits when its stdin closes.
 *
 * <p>The binary is {@code $CAIRN_VCSIM} when set, otherwise {@code
 * vsphere/target/vcsim/cairn-vcsim}, built from {@code vsphere/src/test/go/cairn-vcsim} with Go in
 * GOPATH mode against Debian's govmomi sources (offline) when missing or older than a source file.
 * When Go or govmomi is missing, tests are skipped, or fail if {@code CI=true}; {@code
 * scripts/install-vcsim} installs both.
 *
 * <p>Thread-safe: the accessors are immutable and the fault calls are single HTTP requests.
 */
public final class VcSim implements AutoCloseable {
  private static final String GOVMOMI = "/usr/share/gocode";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Object BUILD_LOCK = new Object();

  private final Process process;
  private final URI url;
  private final String thumbprint;
  private final Path certificatePem;
  private final String user;
  private final String password;
  private final Map<String, Path> datastores;
  private final HttpClient http;

  private VcSim(Process process, JsonNode ready) throws IOException {
    this.process = process;
    this.url = URI.create(ready.path("url").asText());
    this.thumbprint = ready.path("thumbprint").asText();
    String pem = ready.path("certPem").asText();
    this.certificatePem = pem.isEmpty() ? null : Path.of(pem);
    this.user = ready.path("user").asText();
    this.password = ready.path("password").asText();
    Map<String, Path> directories = new LinkedHashMap<>();
    ready
        .path("datastores")
        .properties()
        .forEach(e -> directories.put(e.getKey(), Path.of(e.getValue().asText())));
    this.datastores = Map.copyOf(directories);
    HttpClient.Builder builder = HttpClient.newBuilder();
    if (certificatePem != null) {
      builder.sslContext(sslContext());
    }
    this.http = builder.build();
  }

  /**
   * How to start the simulator. Defaults: https, one datacenter with one cluster of one host, two
   * VMs each with one 16 MiB disk, QueryChangedDiskAreas covering 64 MiB per call.
   *
   * @param https serve https with a fresh self-signed certificate (else plain http)
   * @param datacenters datacenters in the model
   * @param clusters clusters per datacenter
   * @param hostsPerCluster hosts per cluster
   * @param vmsPerPool VMs per resource pool, each with one disk
   * @param diskMiB capacity of each model VM's disk
   * @param changedAreasSpan bytes one QueryChangedDiskAreas call covers from its startOffset (a
   *     multiple of 64 KiB), so tests can make callers page
   * @param user the only user name Login accepts
   * @param password the only password Login accepts
   */
  public record Options(
      boolean https,
      int datacenters,
      int clusters,
      int hostsPerCluster,
      int vmsPerPool,
      long diskMiB,
      long changedAreasSpan,
      String user,
      String password) {
    public static Options defaults() {
      return new Options(true, 1, 1, 1, 2, 16, 64L << 20, "cairn", "cairn-secret");
    }

    public Options withHttps(boolean https) {
      return new Options(
          https,
          datacenters,
          clusters,
          hostsPerCluster,
          vmsPerPool,
          diskMiB,
          changedAreasSpan,
          user,
          password);
    }

    public Options withVmsPerPool(int vms) {
      return new Options(
          https,
          datacenters,
          clusters,
          hostsPerCluster,
          vms,
          diskMiB,
          changedAreasSpan,
          user,
          password);
    }

    public Options withDiskMiB(long mib) {
      return new Options(
          https,
          datacenters,
          clusters,
          hostsPerCluster,
          vmsPerPool,
          mib,
          changedAreasSpan,
          user,
          password);
    }

    public Options withChangedAreasSpan(long bytes) {
      return new Options(
          https,
          datacenters,
          clusters,
          hostsPerCluster,
          vmsPerPool,
          diskMiB,
          bytes,
          user,
          password);
    }

    public Options withInventory(int datacenters, int clusters, int hostsPerCluster) {
      return new Options(
          https,
          datacenters,
          clusters,
          hostsPerCluster,
          vmsPerPool,
          diskMiB,
          changedAreasSpan,
          user,
          password);
    }

    public Options withLogin(String user, String password) {
      return new Options(
          https,
          datacenters,
          clusters,
          hostsPerCluster,
          vmsPerPool,
          diskMiB,
          changedAreasSpan,
          user,
          password);
    }

    List<String> arguments() {
      List<String> arguments =
          new ArrayList<>(
              List.of(
                  "-dc", String.valueOf(datacenters),
                  "-cluster", String.valueOf(clusters),
                  "-host", String.valueOf(hostsPerCluster),
                  "-vm", String.valueOf(vmsPerPool),
                  "-disk-mb", String.valueOf(diskMiB),
                  "-changed-areas-span", String.valueOf(changedAreasSpan),
                  "-username", user,
                  "-password", password));
      if (!https) {
        arguments.add("-http");
      }
      return arguments;
    }
  }

  /**
   * The faults to inject, as {@code POST /cairn/faults} takes them; a null or empty field is off.
   *
   * @param createSnapshot CreateSnapshot_Task's task ends in a SnapshotFault with this message
   * @param datastoreGetDrop datastore GETs lose their connection after some body bytes
   * @param deniedPrivileges privilege ids the session lacks
   * @param nfcUploadDrop NFC uploads (import lease disks) lose their connection after some body
   *     bytes
   * @param importVApp ImportVApp answers an InvalidState fault with this message
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Faults(
      CreateSnapshot createSnapshot,
      DatastoreGetDrop datastoreGetDrop,
      List<String> deniedPrivileges,
      NfcUploadDrop nfcUploadDrop,
      ImportVApp importVApp,
      Boolean nfcRequireLength) {
    /** No faults. */
    public static Faults none() {
      return new Faults(null, null, List.of(), null, null, null);
    }

    /** NFC uploads without a Content-Length (chunked) are answered 411 Length Required. */
    public Faults requireNfcLength() {
      return new Faults(
          createSnapshot, datastoreGetDrop, deniedPrivileges, nfcUploadDrop, importVApp, true);
    }

    /** Fails the next {@code times} CreateSnapshot_Task calls (0: every call). */
    public Faults failCreateSnapshot(String message, int times) {
      return new Faults(
          new CreateSnapshot(message, times),
          datastoreGetDrop,
          deniedPrivileges,
          nfcUploadDrop,
          importVApp,
          nfcRequireLength);
    }

    /**
     * Cuts the next {@code times} datastore GETs (0: every one) whose path contains {@code
     * pathContains} after {@code afterBytes} bytes of body.
     */
    public Faults dropDatastoreGet(long afterBytes, int times, String pathContains) {
      return new Faults(
          createSnapshot,
          new DatastoreGetDrop(afterBytes, times, pathContains),
          deniedPrivileges,
          nfcUploadDrop,
          importVApp,
          nfcRequireLength);
    }

    /** Denies these privilege ids on every object. */
    public Faults deny(String... privilegeIds) {
      return new Faults(
          createSnapshot,
          datastoreGetDrop,
          List.of(privilegeIds),
          nfcUploadDrop,
          importVApp,
          nfcRequireLength);
    }

    /**
     * Cuts the next {@code times} NFC uploads (0: every one) after the simulator has read {@code
     * afterBytes} bytes of their body: the connection is reset without an answer (an upload that
     * ends sooner loses its answer).
     */
    public Faults dropNfcUpload(long afterBytes, int times) {
      return new Faults(
          createSnapshot,
          datastoreGetDrop,
          deniedPrivileges,
          new NfcUploadDrop(afterBytes, times),
          importVApp,
          nfcRequireLength);
    }

    /**
     * Fails the next {@code times} ImportVApp calls (0: every call) with an InvalidState fault
     * carrying {@code message}; no VM is created.
     */
    public Faults failImportVApp(String message, int times) {
      return new Faults(
          createSnapshot,
          datastoreGetDrop,
          deniedPrivileges,
          nfcUploadDrop,
          new ImportVApp(message, times),
          nfcRequireLength);
    }
  }

  /** See {@link Faults#failCreateSnapshot}. */
  public record CreateSnapshot(String message, int times) {}

  /** See {@link Faults#dropDatastoreGet}. */
  public record DatastoreGetDrop(long afterBytes, int times, String pathContains) {}

  /** See {@link Faults#dropNfcUpload}. */
  public record NfcUploadDrop(long afterBytes, int times) {}

  /** See {@link Faults#failImportVApp}. */
  public record ImportVApp(String message, int times) {}

  /** Starts a simulator with the default options. */
  public static VcSim start() throws IOException, InterruptedException {
    return start(Options.defaults());
  }

  /** Starts a simulator, or skips the test (fails it when CI=true) if it cannot be built here. */
  public static VcSim start(Options options) throws IOException, InterruptedException {
    Path executable = executable();
    List<String> command = new ArrayList<>();
    command.add(executable.toString());
    command.addAll(options.arguments());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader output =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    String line;
    while ((line = output.readLine()) != null) {
      if (line.startsWith("{\"url\"")) {
        drain(output);
        return new VcSim(process, JSON.readTree(line));
      }
      lines.add(line);
    }
    process.waitFor(10, TimeUnit.SECONDS);
    throw new IOException(
        "Cannot start " + executable + ": it exited without its ready line: " + lines);
  }

  /** The simulator binary, built when missing or stale; skips or fails the test without Go. */
  static Path executable() throws IOException, InterruptedException {
    String configured = System.getenv("CAIRN_VCSIM");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    Path module = moduleDirectory();
    Path sources = module.resolve("src/test/go/cairn-vcsim");
    Path work = module.resolve("target/vcsim");
    Path binary = work.resolve("cairn-vcsim");
    synchronized (BUILD_LOCK) {
      if (Files.isExecutable(binary) && !newerSource(sources, Files.getLastModifiedTime(binary))) {
        return binary;
      }
      Optional<Path> go = findGo();
      if (go.isEmpty()
          || !Files.isDirectory(Path.of(GOVMOMI, "src/github.com/vmware/govmomi/simulator"))) {
        String message =
            "Go or govmomi's sources are not installed (cannot build cairn-vcsim): run scripts/install-vcsim";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
          fail(message);
        }
        Assumptions.abort(message);
      }
      Files.createDirectories(work.resolve("gopath"));
      Path partial = work.resolve("cairn-vcsim.partial-" + ProcessHandle.current().pid());
      ProcessBuilder builder =
          new ProcessBuilder(go.get().toString(), "build", "-o", partial.toString(), ".")
              .directory(sources.toFile())
              .redirectErrorStream(true);
      // GOPATH mode finds govmomi under /usr/share/gocode offline; module mode would need the
      // network.
      Map<String, String> environment = builder.environment();
      environment.put("GO111MODULE", "off");
      environment.put("GOPROXY", "off");
      environment.put("GOFLAGS", "");
      environment.put("GOPATH", work.resolve("gopath") + ":" + GOVMOMI);
      environment.put("GOCACHE", work.resolve("gocache").toString());
      Process build = builder.start();
      String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (build.waitFor() != 0) {
        Files.deleteIfExists(partial);
        throw new IOException("Cannot build cairn-vcsim from " + sources + ": " + log.strip());
      }
      Files.move(
          partial, binary, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return binary;
    }
  }

  /**
   * The vsphere module's directory, whether tests run from it (Maven), from a sibling module that
   * uses this test-jar, or from the repository root.
   */
  private static Path moduleDirectory() throws IOException {
    Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path candidate : List.of(here, here.resolve("vsphere"), here.resolveSibling("vsphere"))) {
      if (Files.isDirectory(candidate.resolve("src/test/go/cairn-vcsim"))) {
        return candidate;
      }
    }
    throw new IOException("Cannot find vsphere/src/test/go/cairn-vcsim from " + here);
  }

  private static boolean newerSource(Path sources, FileTime built) throws IOException {
    try (Stream<Path> files = Files.list(sources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".go")).toList()) {
        if (Files.getLastModifiedTime(file).compareTo(built) > 0) {
          return true;
        }
      }
    }
    return false;
  }

  private static Optional<Path> findGo() {
    List<Path> candidates = new ArrayList<>();
    for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!directory.isEmpty()) {
        candidates.add(Path.of(directory, "go"));
      }
    }
    candidates.add(Path.of("/usr/lib/go/bin/go"));
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  private static void drain(BufferedReader output) {
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                while (output.readLine() != null) {
                  // keep the pipe from filling up
                }
              } catch (IOException ignored) {
                // the simulator stopped
              }
            });
  }

  /** The SOAP endpoint, {@code http(s)://127.0.0.1:PORT/sdk}. */
  public URI url() {
    return url;
  }

  /** SHA-256 of the server certificate (upper-case hex pairs joined by colons); empty over http. */
  public String thumbprint() {
    return thumbprint;
  }

  /** A PEM file of the server certificate; throws over plain http, which has none. */
  public Path certificatePem() {
    if (certificatePem == null) {
      throw new IllegalStateException(
          "Cannot give the certificate of " + url + ": it serves plain http");
    }
    return certificatePem;
  }

  public String user() {
    return user;
  }

  public String password() {
    return password;
  }

  /** The names of the datastores. */
  public Set<String> datastores() {
    return datastores.keySet();
  }

  /** The directory on this machine that holds a datastore's files. */
  public Path datastoreDirectory(String name) {
    Path directory = datastores.get(name);
    if (directory == null) {
      throw new IllegalArgumentException(
          "Cannot find datastore " + name + ": the simulator has " + datastores.keySet());
    }
    return directory;
  }

  /** An SSL context that trusts exactly the simulator's certificate. */
  public SSLContext sslContext() {
    try (InputStream in = Files.newInputStream(certificatePem())) {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      trusted.setCertificateEntry(
          "cairn-vcsim", CertificateFactory.getInstance("X.509").generateCertificate(in));
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(
          "Cannot trust the certificate of " + url + ": " + e.getMessage(), e);
    }
  }

  /** Replaces the active faults with these. */
  public void setFaults(Faults faults) throws IOException, InterruptedException {
    send(
        HttpRequest.newBuilder(faultsUri())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(faults)))
            .build());
  }

  /** Turns every fault off. */
  public void clearFaults() throws IOException, InterruptedException {
    send(HttpRequest.newBuilder(faultsUri()).DELETE().build());
  }

  private URI faultsUri() {
    return url.resolve("/cairn/faults");
  }

  private void send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IOException(
          "Cannot set the faults of "
              + url
              + ": HTTP "
              + response.statusCode()
              + " "
              + response.body().strip());
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
