package dev.cairn.vsphere.vim;

import java.util.List;
import java.util.Optional;

/** One page of RetrievePropertiesEx: the objects and, when more follow, the token for them. */
public record RetrieveResult(List<ObjectContent> objects, Optional<String> token) {
  public RetrieveResult {
    objects = List.copyOf(objects);
  }
}
