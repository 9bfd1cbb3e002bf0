package dev.cairn.storage.s3;

import org.junit.jupiter.api.Assumptions;

/** What a test does when a real server it needs is not installed: skip, or fail under CI. */
final class RequiredComponent {
  private RequiredComponent() {}

  /** Fails the test when {@code CI=true}, aborts (skips) it otherwise. */
  static AssertionError missing(String what) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError(what + " is missing, and CI=true requires it");
    }
    Assumptions.abort(what + " is missing: skipped (CI=true makes this a failure)");
    return new AssertionError("unreachable");
  }
}
