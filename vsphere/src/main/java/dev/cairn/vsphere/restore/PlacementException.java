package dev.cairn.vsphere.restore;

import java.io.IOException;

/**
 * A restore cannot be placed as asked: a datastore, host, pool, folder or network that does not
 * exist or is ambiguous, or a VM name already taken. Nothing was created.
 */
public final class PlacementException extends IOException {
  public PlacementException(String message) {
    super(message);
  }
}
