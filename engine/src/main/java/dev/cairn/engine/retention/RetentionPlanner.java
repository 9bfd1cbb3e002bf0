package dev.cairn.engine.retention;

import dev.cairn.repository.point.RestorePoint;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Applies a {@link RetentionPolicy} to restore points, VM by VM. Pure: no I/O, no clock. */
public final class RetentionPlanner {
  private final RetentionPolicy policy;
  private final ZoneId zone;

  public RetentionPlanner(RetentionPolicy policy, ZoneId zone) {
    this.policy = policy;
    this.zone = zone;
  }

  /** Decisions for every point given, grouped by VM name, newest first within each VM. */
  public List<RetentionDecision> plan(List<RestorePoint> points) {
    Map<String, List<RestorePoint>> byVm = new LinkedHashMap<>();
    for (RestorePoint point : points) {
      byVm.computeIfAbsent(point.vm().name(), name -> new ArrayList<>()).add(point);
    }
    List<RetentionDecision> decisions = new ArrayList<>();
    for (List<RestorePoint> vmPoints : byVm.values()) {
      vmPoints.sort(
          Comparator.comparing(RestorePoint::time).thenComparing(RestorePoint::id).reversed());
      decisions.addAll(planVm(vmPoints));
    }
    return decisions;
  }

  private List<RetentionDecision> planVm(List<RestorePoint> newestFirst) {
    List<List<String>> reasons = new ArrayList<>();
    for (int i = 0; i < newestFirst.size(); i++) {
      reasons.add(new ArrayList<>());
    }
    for (int i = 0; i < Math.min(policy.last(), newestFirst.size()); i++) {
      reasons.get(i).add("last " + policy.last());
    }
    bucket(newestFirst, reasons, "hourly", policy.hourly(), at -> at.format(HOUR));
    bucket(newestFirst, reasons, "daily", policy.daily(), at -> at.format(DAY));
    bucket(
        newestFirst,
        reasons,
        "weekly",
        policy.weekly(),
        at ->
            String.format(
                "%d-W%02d",
                at.get(IsoFields.WEEK_BASED_YEAR), at.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)));
    bucket(newestFirst, reasons, "monthly", policy.monthly(), at -> at.format(MONTH));
    bucket(newestFirst, reasons, "yearly", policy.yearly(), at -> String.valueOf(at.getYear()));
    List<RetentionDecision> decisions = new ArrayList<>();
    for (int i = 0; i < newestFirst.size(); i++) {
      decisions.add(
          new RetentionDecision(
              newestFirst.get(i), !reasons.get(i).isEmpty(), List.copyOf(reasons.get(i))));
    }
    return decisions;
  }

  private void bucket(
      List<RestorePoint> newestFirst,
      List<List<String>> reasons,
      String rule,
      int count,
      Function<ZonedDateTime, String> period) {
    String lastPeriod = null;
    int kept = 0;
    for (int i = 0; i < newestFirst.size() && kept < count; i++) {
      String current = period.apply(newestFirst.get(i).time().atZone(zone));
      if (!current.equals(lastPeriod)) {
        reasons.get(i).add(rule + " " + current);
        lastPeriod = current;
        kept++;
      }
    }
  }

  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH");
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd");
  private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM");
}
