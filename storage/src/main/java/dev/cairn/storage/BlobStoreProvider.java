package dev.cairn.storage;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Opens the stores of one kind by location URL ({@code azure://ACCOUNT/CONTAINER/PREFIX}, {@code
 * s3://[ENDPOINT/]BUCKET/PREFIX}). Implementations live in their own modules and are found with
 * {@link java.util.ServiceLoader}, so the commands that take {@code --repo} accept every kind of
 * store on the class path without knowing its SDK. Local directories need no provider.
 *
 * <p>Credentials come from {@link Context#environment()}: the ecosystem's standard variables (e.g.
 * {@code AZURE_STORAGE_CONNECTION_STRING}, {@code AWS_ACCESS_KEY_ID}), never from the URL, so they
 * never appear in messages, restore points or the audit trail.
 */
public interface BlobStoreProvider {
  /** The URL schemes this provider opens, without "://" (e.g. "azure"). */
  Set<String> schemes();

  /**
   * How to open a store.
   *
   * @param environment environment variables to take credentials and settings from ({@code
   *     System.getenv()} in production; tests pass their own)
   * @param endpoint an explicit service endpoint (emulators, sovereign clouds, S3-compatible
   *     servers), empty for the service's default
   * @param create whether the caller is initialising a repository (the provider may then create the
   *     container or bucket if it is missing and allowed to)
   */
  record Context(Map<String, String> environment, Optional<String> endpoint, boolean create) {
    public Context {
      environment = Map.copyOf(environment);
    }
  }

  /**
   * Opens the store at {@code location}.
   *
   * @throws IllegalArgumentException naming the URL and what is wrong with its form
   * @throws IOException naming the location and the cause when the store cannot be reached or used
   *     (missing container, refused credentials); never a secret in the message
   */
  BlobStore open(String location, Context context) throws IOException;
}
