package dev.cairn.engine.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.repository.point.PointStatistics;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.repository.point.SourceDescription;
import dev.cairn.repository.point.VmIdentity;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetentionPlannerTest {
  private static final ZoneId UTC = ZoneOffset.UTC;
  private static int nextId = 1;

  static RestorePoint point(String vm, String time) {
    return point(vm, Instant.parse(time));
  }

  static RestorePoint point(String vm, Instant time) {
    byte[] id = new byte[16];
    int n = nextId++;
    id[12] = (byte) (n >>> 24);
    id[13] = (byte) (n >>> 16);
    id[14] = (byte) (n >>> 8);
    id[15] = (byte) n;
    return new RestorePoint(
        1,
        HexFormat.of().formatHex(id),
        new VmIdentity(vm, null),
        time,
        "host",
        new SourceDescription("file", "test"),
        List.of(),
        null,
        List.of(),
        new PointStatistics(0, 0, 0, 0, 0, 0, 0, 0, 0, false, 0),
        List.of());
  }

  private static RetentionPolicy policy(
      int last, int hourly, int daily, int weekly, int monthly, int yearly) {
    return new RetentionPolicy(last, hourly, daily, weekly, monthly, yearly);
  }

  private static List<RetentionDecision> plan(RetentionPolicy policy, List<RestorePoint> points) {
    List<RestorePoint> shuffled = new ArrayList<>(points);
    Collections.shuffle(shuffled, new java.util.Random(shuffled.size()));
    return new RetentionPlanner(policy, UTC).plan(shuffled);
  }

  /** Kept points as "time: reasons", newest first. */
  private static Map<String, List<String>> kept(List<RetentionDecision> decisions) {
    Map<String, List<String>> kept = new LinkedHashMap<>();
    for (RetentionDecision decision : decisions) {
      if (decision.keep()) {
        kept.put(decision.point().time().toString(), decision.reasons());
      } else {
        assertThat(decision.reasons()).isEmpty();
      }
    }
    return kept;
  }

  @Test
  void keepLastKeepsTheNewestPoints() {
    List<RestorePoint> points = new ArrayList<>();
    for (int hour = 0; hour < 5; hour++) {
      points.add(point("vm", "2026-01-05T0" + hour + ":00:00Z"));
    }

    List<RetentionDecision> decisions = plan(policy(3, 0, 0, 0, 0, 0), points);

    assertThat(decisions)
        .extracting(d -> d.point().time().toString())
        .containsExactly(
            "2026-01-05T04:00:00Z",
            "2026-01-05T03:00:00Z",
            "2026-01-05T02:00:00Z",
            "2026-01-05T01:00:00Z",
            "2026-01-05T00:00:00Z");
    assertThat(kept(decisions))
        .containsExactly(
            Map.entry("2026-01-05T04:00:00Z", List.of("last 3")),
            Map.entry("2026-01-05T03:00:00Z", List.of("last 3")),
            Map.entry("2026-01-05T02:00:00Z", List.of("last 3")));
  }

  @Test
  void dailyKeepsTheNewestPointOfEachOfTheNewestDaysWithPoints() {
    List<RestorePoint> points =
        List.of(
            point("vm", "2026-01-01T08:00:00Z"),
            point("vm", "2026-01-02T08:00:00Z"),
            point("vm", "2026-01-02T20:00:00Z"),
            // no points on the 3rd and 4th
            point("vm", "2026-01-05T01:00:00Z"),
            point("vm", "2026-01-05T23:59:59Z"),
            point("vm", "2026-01-06T00:00:00Z"));

    assertThat(kept(plan(policy(0, 0, 3, 0, 0, 0), points)))
        .containsExactly(
            Map.entry("2026-01-06T00:00:00Z", List.of("daily 2026-01-06")),
            Map.entry("2026-01-05T23:59:59Z", List.of("daily 2026-01-05")),
            Map.entry("2026-01-02T20:00:00Z", List.of("daily 2026-01-02")));
  }

  @Test
  void daysAreThoseOfTheGivenZone() {
    List<RestorePoint> points =
        List.of(point("vm", "2026-01-05T21:00:00Z"), point("vm", "2026-01-05T23:30:00Z"));

    // In UTC both are on the 5th; two hours east, the second one is on the 6th.
    assertThat(new RetentionPlanner(policy(0, 0, 2, 0, 0, 0), UTC).plan(points))
        .filteredOn(RetentionDecision::keep)
        .hasSize(1);
    assertThat(new RetentionPlanner(policy(0, 0, 2, 0, 0, 0), ZoneOffset.ofHours(2)).plan(points))
        .filteredOn(RetentionDecision::keep)
        .extracting(RetentionDecision::reasons)
        .containsExactly(List.of("daily 2026-01-06"), List.of("daily 2026-01-05"));
  }

  @Test
  void weeklyUsesIsoWeeksAcrossTheYearBoundary() {
    List<RestorePoint> points =
        List.of(
            point("vm", "2024-12-28T12:00:00Z"), // Saturday, 2024-W52
            point("vm", "2024-12-30T12:00:00Z"), // Monday, 2025-W01
            point("vm", "2025-01-02T12:00:00Z"), // Thursday, 2025-W01
            point("vm", "2025-01-06T12:00:00Z")); // Monday, 2025-W02

    assertThat(kept(plan(policy(0, 0, 0, 3, 0, 0), points)))
        .containsExactly(
            Map.entry("2025-01-06T12:00:00Z", List.of("weekly 2025-W02")),
            Map.entry("2025-01-02T12:00:00Z", List.of("weekly 2025-W01")),
            Map.entry("2024-12-28T12:00:00Z", List.of("weekly 2024-W52")));
  }

  @Test
  void weekFiftyThreeSpansTwoCalendarYears() {
    List<RestorePoint> points =
        List.of(
            point("vm", "2020-12-28T00:00:00Z"), // Monday, 2020-W53
            point("vm", "2021-01-03T23:00:00Z"), // Sunday, still 2020-W53
            point("vm", "2021-01-04T00:00:00Z")); // Monday, 2021-W01

    assertThat(kept(plan(policy(0, 0, 0, 5, 0, 0), points)))
        .containsExactly(
            Map.entry("2021-01-04T00:00:00Z", List.of("weekly 2021-W01")),
            Map.entry("2021-01-03T23:00:00Z", List.of("weekly 2020-W53")));
  }

  @Test
  void monthlyAndYearlyKeepTheNewestOfEachPeriod() {
    List<RestorePoint> points =
        List.of(
            point("vm", "2023-06-01T00:00:00Z"),
            point("vm", "2023-12-31T23:00:00Z"),
            point("vm", "2024-01-15T00:00:00Z"),
            point("vm", "2024-02-01T00:00:00Z"),
            point("vm", "2024-02-29T10:00:00Z"),
            point("vm", "2024-04-30T10:00:00Z"));

    assertThat(kept(plan(policy(0, 0, 0, 0, 2, 0), points)))
        .containsExactly(
            Map.entry("2024-04-30T10:00:00Z", List.of("monthly 2024-04")),
            Map.entry("2024-02-29T10:00:00Z", List.of("monthly 2024-02")));
    assertThat(kept(plan(policy(0, 0, 0, 0, 0, 2), points)))
        .containsExactly(
            Map.entry("2024-04-30T10:00:00Z", List.of("yearly 2024")),
            Map.entry("2023-12-31T23:00:00Z", List.of("yearly 2023")));
  }

  @Test
  void hourlyKeepsTheNewestPointOfEachHour() {
    List<RestorePoint> points =
        List.of(
            point("vm", "2026-01-05T10:05:00Z"),
            point("vm", "2026-01-05T10:55:00Z"),
            point("vm", "2026-01-05T11:00:00Z"));

    assertThat(kept(plan(policy(0, 2, 0, 0, 0, 0), points)))
        .containsExactly(
            Map.entry("2026-01-05T11:00:00Z", List.of("hourly 2026-01-05T11")),
            Map.entry("2026-01-05T10:55:00Z", List.of("hourly 2026-01-05T10")));
  }

  @Test
  void combinedRulesListEveryReason() {
    List<RestorePoint> points = new ArrayList<>();
    // Nightly at 02:00 for 40 days, from Thursday 2026-01-01.
    for (int day = 0; day < 40; day++) {
      points.add(point("vm", Instant.parse("2026-01-01T02:00:00Z").plusSeconds(86_400L * day)));
    }

    Map<String, List<String>> kept = kept(plan(policy(2, 0, 3, 2, 2, 1), points));

    assertThat(kept)
        .containsExactly(
            Map.entry(
                "2026-02-09T02:00:00Z",
                List.of(
                    "last 2",
                    "daily 2026-02-09",
                    "weekly 2026-W07",
                    "monthly 2026-02",
                    "yearly 2026")),
            Map.entry(
                "2026-02-08T02:00:00Z", List.of("last 2", "daily 2026-02-08", "weekly 2026-W06")),
            Map.entry("2026-02-07T02:00:00Z", List.of("daily 2026-02-07")),
            Map.entry("2026-01-31T02:00:00Z", List.of("monthly 2026-01")));
  }

  @Test
  void eachVmIsPlannedOnItsOwn() {
    List<RestorePoint> points =
        List.of(
            point("web", "2026-01-05T01:00:00Z"),
            point("db", "2026-01-05T02:00:00Z"),
            point("web", "2026-01-05T03:00:00Z"),
            point("db", "2026-01-05T04:00:00Z"),
            point("db", "2026-01-05T05:00:00Z"));

    List<RetentionDecision> decisions = plan(policy(1, 0, 1, 0, 0, 0), points);

    assertThat(decisions).hasSize(5);
    Map<String, List<String>> keptByVm =
        decisions.stream()
            .filter(RetentionDecision::keep)
            .collect(
                Collectors.groupingBy(
                    d -> d.point().vm().name(),
                    Collectors.mapping(d -> d.point().time().toString(), Collectors.toList())));
    assertThat(keptByVm)
        .containsOnly(
            Map.entry("web", List.of("2026-01-05T03:00:00Z")),
            Map.entry("db", List.of("2026-01-05T05:00:00Z")));
    assertThat(decisions)
        .filteredOn(RetentionDecision::keep)
        .allSatisfy(d -> assertThat(d.reasons()).containsExactly("last 1", "daily 2026-01-05"));
  }

  @Test
  void negativeCountsAreRejected() {
    assertThatThrownBy(() -> policy(0, 0, -1, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(policy(0, 0, 0, 0, 0, 0).keepsNothing()).isTrue();
    assertThat(policy(0, 0, 0, 0, 0, 1).keepsNothing()).isFalse();
  }

  /**
   * For random histories and policies: a point is kept exactly when some rule gives a reason; each
   * rule gives as many reasons as it has count or periods with points; "last" keeps the newest; the
   * input order does not matter.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void randomHistoriesObeyEveryRule(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<RestorePoint> points = new ArrayList<>();
    Instant at = Instant.parse("2024-11-01T00:00:00Z");
    for (int i = random.nextInt(1, 120); i > 0; i--) {
      at = at.plusSeconds(random.nextLong(60, 86_400L * 9));
      points.add(point(random.nextBoolean() ? "a" : "b", at));
    }
    RetentionPolicy policy =
        policy(
            random.nextInt(4),
            random.nextInt(4),
            random.nextInt(8),
            random.nextInt(6),
            random.nextInt(6),
            random.nextInt(3));

    List<RetentionDecision> decisions = new RetentionPlanner(policy, UTC).plan(points);
    List<RestorePoint> reversed = new ArrayList<>(points);
    Collections.reverse(reversed);

    // VMs come in the order they first appear; within a VM the order is fixed (newest first).
    assertThat(new RetentionPlanner(policy, UTC).plan(reversed))
        .containsExactlyInAnyOrderElementsOf(decisions);
    assertThat(decisions)
        .extracting(RetentionDecision::point)
        .containsExactlyInAnyOrderElementsOf(points);
    for (String vm : List.of("a", "b")) {
      List<RetentionDecision> ofVm =
          decisions.stream().filter(d -> d.point().vm().name().equals(vm)).toList();
      for (int i = 0; i < ofVm.size(); i++) {
        RetentionDecision decision = ofVm.get(i);
        assertThat(decision.keep()).isEqualTo(!decision.reasons().isEmpty());
        if (i > 0) {
          assertThat(decision.point().time()).isBefore(ofVm.get(i - 1).point().time());
        }
        assertThat(decision.reasons().contains("last " + policy.last()))
            .isEqualTo(i < policy.last());
      }
      assertRule(ofVm, "hourly", policy.hourly(), t -> t.toString().substring(0, 13));
      assertRule(ofVm, "daily", policy.daily(), t -> t.toString().substring(0, 10));
      assertRule(
          ofVm,
          "weekly",
          policy.weekly(),
          t -> {
            var date = t.atZone(UTC);
            return date.get(IsoFields.WEEK_BASED_YEAR)
                + "-"
                + date.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
          });
      assertRule(ofVm, "monthly", policy.monthly(), t -> t.toString().substring(0, 7));
      assertRule(ofVm, "yearly", policy.yearly(), t -> t.toString().substring(0, 4));
    }
  }

  /** The rule marks the newest point of each of its newest {@code count} periods, no other. */
  private static void assertRule(
      List<RetentionDecision> newestFirst,
      String rule,
      int count,
      java.util.function.Function<Instant, String> period) {
    Set<String> seen = new HashSet<>();
    List<RestorePoint> expected = new ArrayList<>();
    for (RetentionDecision decision : newestFirst) {
      if (seen.size() < count && seen.add(period.apply(decision.point().time()))) {
        expected.add(decision.point());
      } else {
        seen.add(period.apply(decision.point().time()));
      }
    }
    List<RestorePoint> marked =
        newestFirst.stream()
            .filter(d -> d.reasons().stream().anyMatch(r -> r.startsWith(rule + " ")))
            .map(RetentionDecision::point)
            .toList();
    assertThat(marked).as(rule + " " + count).isEqualTo(expected);
  }
}
