package dev.cairn.engine.backup;

import dev.cairn.repository.point.RestorePoint;

/** The committed restore point; its statistics and warnings say what the backup did. */
public record BackupResult(RestorePoint point) {}
