package dev.cairn.vsphere.vim;

import dev.cairn.vsphere.soap.MalformedReplyException;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.VimFault;
import dev.cairn.vsphere.soap.XmlNode;
import java.util.Optional;

/**
 * A task's state as last seen: {@code state} is {@code queued}, {@code running}, {@code success} or
 * {@code error}; {@code result} is set on success for tasks that return something (the new snapshot
 * or VM), {@code error} on error.
 */
public record TaskInfo(
    ManagedObjectReference task,
    String descriptionId,
    String entityName,
    String state,
    int progress,
    Optional<XmlNode> result,
    Optional<VimFault> error) {

  /** Whether the task finished, either way. */
  public boolean done() {
    return state.equals("success") || state.equals("error");
  }

  /** The result as a managed object reference (CreateSnapshot_Task, CreateVM_Task). */
  public Optional<ManagedObjectReference> resultReference() throws MalformedReplyException {
    if (result.isEmpty() || result.get().attribute("type").isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(ManagedObjectReference.of(result.get()));
  }

  /** Reads a {@code TaskInfo} element. */
  static TaskInfo of(XmlNode info) throws MalformedReplyException {
    ManagedObjectReference task = ManagedObjectReference.of(info.required("task"));
    String description = info.text("descriptionId", "task");
    String entity = info.text("entityName", "");
    String state = info.text("state", "");
    Optional<VimFault> error = Optional.empty();
    Optional<XmlNode> fault = info.child("error");
    if (fault.isPresent()) {
      String action =
          "complete task "
              + description
              + (entity.isEmpty() ? "" : " on " + entity)
              + " ("
              + task.value()
              + ")";
      Optional<XmlNode> detail = fault.get().child("fault");
      String message = fault.get().text("localizedMessage", "");
      error =
          Optional.of(
              detail.isPresent()
                  ? VimFault.of(action, detail.get(), message)
                  : VimFault.untyped(action, "TaskError", message));
    }
    return new TaskInfo(
        task,
        description,
        entity,
        state,
        (int) info.longValue("progress", 0),
        info.child("result"),
        error);
  }
}
