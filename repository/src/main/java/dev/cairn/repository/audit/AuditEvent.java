package dev.cairn.repository.audit;

import java.time.Instant;
import java.util.Map;

/**
 * One sensitive action on a repository: who did what, when, from where. Never holds a secret.
 *
 * @param time when it happened
 * @param action what was done ("key.add", "forget", "prune", "restore"...)
 * @param user operating-system user that ran it
 * @param host machine that ran it
 * @param pid process id
 * @param details what it touched (point ids, key slot ids, counts), free-form
 */
public record AuditEvent(
    Instant time, String action, String user, String host, long pid, Map<String, String> details) {}
