package dev.cairn.engine.retention;

/**
 * Grandfather-father-son retention, per VM: keep the newest {@code last} points, and the newest
 * point of each of the newest {@code hourly} hours, {@code daily} days, {@code weekly} ISO weeks,
 * {@code monthly} months and {@code yearly} years that have points. A point kept by several rules
 * lists all of them as reasons. Zero disables a rule.
 */
public record RetentionPolicy(
    int last, int hourly, int daily, int weekly, int monthly, int yearly) {
  public RetentionPolicy {
    if (last < 0 || hourly < 0 || daily < 0 || weekly < 0 || monthly < 0 || yearly < 0) {
      throw new IllegalArgumentException("Retention counts cannot be negative");
    }
  }

  /** True if no rule keeps anything: applying it would delete every point. */
  public boolean keepsNothing() {
    return last + hourly + daily + weekly + monthly + yearly == 0;
  }
}
