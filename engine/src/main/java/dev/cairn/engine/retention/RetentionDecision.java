package dev.cairn.engine.retention;

import dev.cairn.repository.point.RestorePoint;
import java.util.List;

/**
 * Whether one restore point is kept, and why: each reason names the rule and its period, such as
 * "last 3", "daily 2026-11-24", "weekly 2026-W47".
 */
public record RetentionDecision(RestorePoint point, boolean keep, List<String> reasons) {}
