package dev.cairn.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * An asynchronous QMP event, e.g. {@code JOB_STATUS_CHANGE}, {@code BLOCK_JOB_CANCELLED} or {@code
 * BLOCK_EXPORT_DELETED}.
 *
 * @param name the event name as QEMU spells it
 * @param data the event's {@code data} member (an empty object when QEMU sent none)
 * @param timestamp when QEMU emitted it, by QEMU's clock
 */
public record QmpEvent(String name, JsonNode data, Instant timestamp) {
  /** The text member {@code field} of {@link #data}, empty when absent. */
  public String text(String field) {
    return data.path(field).asText("");
  }
}
