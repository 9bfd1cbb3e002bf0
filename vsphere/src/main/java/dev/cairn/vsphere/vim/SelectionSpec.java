package dev.cairn.vsphere.vim;

import java.util.List;

/**
 * Where a property filter goes from an object: a {@link TraversalSpec} follows a property, a {@link
 * Reference} reuses a named traversal (for recursion).
 */
public sealed interface SelectionSpec permits SelectionSpec.Reference, SelectionSpec.TraversalSpec {

  /** The name others refer to (may be null). */
  String name();

  /** Refers to the traversal named {@code name}. */
  record Reference(String name) implements SelectionSpec {}

  /**
   * From objects of {@code type}, follow property {@code path}; {@code skip} leaves the objects
   * found out of the result (WSDL order: name, type, path, skip, selectSet).
   */
  record TraversalSpec(
      String name, String type, String path, boolean skip, List<SelectionSpec> selectSet)
      implements SelectionSpec {
    public TraversalSpec {
      selectSet = List.copyOf(selectSet);
    }
  }
}
