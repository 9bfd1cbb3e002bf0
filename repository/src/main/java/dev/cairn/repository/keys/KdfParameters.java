package dev.cairn.repository.keys;

/**
 * Argon2id parameters stored with each key slot so that they can be raised later without breaking
 * old slots. Defaults: 64 MiB, two passes, one lane, above OWASP's minimum (46 MiB, one pass) and
 * about 0.3 s in a fresh JVM here, paid by every command (see docs/decisions/0002).
 *
 * @param algorithm always "argon2id" in format v1
 * @param memoryKib memory cost in KiB
 * @param iterations time cost (passes)
 * @param parallelism lanes
 */
public record KdfParameters(String algorithm, int memoryKib, int iterations, int parallelism) {
  public static final String ARGON2ID = "argon2id";

  public static KdfParameters defaults() {
    return new KdfParameters(ARGON2ID, 64 * 1024, 2, 1);
  }

  /** Cheap parameters for tests and tiny machines; never the default. */
  public static KdfParameters of(int memoryKib, int iterations) {
    return new KdfParameters(ARGON2ID, memoryKib, iterations, 1);
  }

  public KdfParameters {
    if (!ARGON2ID.equals(algorithm)) {
      throw new IllegalArgumentException("Unsupported key derivation '" + algorithm + "'");
    }
    if (memoryKib < 8 || memoryKib > 4 * 1024 * 1024 || iterations < 1 || iterations > 100) {
      throw new IllegalArgumentException(
          "Argon2id parameters out of range: memory "
              + memoryKib
              + " KiB, "
              + iterations
              + " passes");
    }
    if (parallelism < 1 || parallelism > 16) {
      throw new IllegalArgumentException("Argon2id parallelism out of range: " + parallelism);
    }
  }
}
