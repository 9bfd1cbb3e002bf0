package dev.cairn.repository.audit;

import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.Json;
import dev.cairn.repository.crypto.Envelope;
import dev.cairn.storage.BlobStore;
import java.io.IOException;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The repository's audit trail ({@code audit/<UTC time>-<random>}, one encrypted envelope with
 * magic "CRNA" per event): append-only like everything else, so an entry can be deleted by someone
 * with write access to the store but never altered unnoticed. Names sort by time. Thread-safe.
 */
public final class AuditLog {
  public static final String PREFIX = "audit/";
  public static final String MAGIC = "CRNA";
  private static final DateTimeFormatter NAME_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

  private final BlobStore store;
  private final Envelope envelope;
  private final Clock clock;
  private final SecureRandom random;

  public AuditLog(BlobStore store, Envelope envelope, Clock clock, SecureRandom random) {
    this.store = store;
    this.envelope = envelope;
    this.clock = clock;
    this.random = random;
  }

  /** Records {@code action} by this process now; returns the event written. */
  public AuditEvent record(String action, Map<String, String> details) throws IOException {
    AuditEvent event =
        new AuditEvent(
            clock.instant(),
            action,
            System.getProperty("user.name", "unknown"),
            hostName(),
            ProcessHandle.current().pid(),
            Map.copyOf(details));
    byte[] suffix = new byte[4];
    random.nextBytes(suffix);
    String name = PREFIX + NAME_TIME.format(event.time()) + "-" + HexFormat.of().formatHex(suffix);
    store.create(name, envelope.seal(MAGIC, name, Json.write(event)));
    return event;
  }

  /** Every event, oldest first. A damaged entry is reported to {@code onDamage} and skipped. */
  public List<AuditEvent> list(Consumer<DamagedObjectException> onDamage) throws IOException {
    List<String> names = new ArrayList<>();
    store.list(PREFIX, info -> names.add(info.name()));
    names.sort(null);
    List<AuditEvent> events = new ArrayList<>();
    for (String name : names) {
      try {
        events.add(Json.read(envelope.open(MAGIC, name, store.read(name)), AuditEvent.class, name));
      } catch (DamagedObjectException e) {
        onDamage.accept(e);
      }
    }
    return events;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
