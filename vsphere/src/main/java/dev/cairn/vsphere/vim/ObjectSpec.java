package dev.cairn.vsphere.vim;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import java.util.List;

/**
 * Where a property filter starts: {@code obj}, left out of the result when {@code skip}, and the
 * traversals from it (WSDL order: obj, skip, selectSet).
 */
public record ObjectSpec(ManagedObjectReference obj, boolean skip, List<SelectionSpec> selectSet) {
  public ObjectSpec {
    selectSet = List.copyOf(selectSet);
  }

  /** Just {@code obj}. */
  public static ObjectSpec of(ManagedObjectReference obj) {
    return new ObjectSpec(obj, false, List.of());
  }
}
