package dev.cairn.storage.memory;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.ObjectNames;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/** A store in this process's memory: for unit tests and for trying things out. Not durable. */
public final class MemoryBlobStore implements BlobStore {
  private final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();

  @Override
  public void create(String name, byte[] content) throws IOException {
    ObjectNames.requireValid(name);
    if (objects.putIfAbsent(name, content.clone()) != null) {
      throw new ObjectExistsException(name, location());
    }
  }

  @Override
  public byte[] read(String name) throws IOException {
    return existing(name).clone();
  }

  @Override
  public byte[] readRange(String name, long offset, int length) throws IOException {
    byte[] content = existing(name);
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("Negative range " + offset + "+" + length);
    }
    if (offset > content.length - length) {
      throw new EOFException(
          "Cannot read object "
              + name
              + " in "
              + location()
              + ": range "
              + offset
              + "+"
              + length
              + " extends past its end at "
              + content.length);
    }
    return Arrays.copyOfRange(content, (int) offset, (int) offset + length);
  }

  @Override
  public void list(String prefix, Consumer<ObjectInfo> consumer) {
    ObjectNames.requireValidPrefix(prefix);
    for (var entry : objects.tailMap(prefix, true).entrySet()) {
      if (!entry.getKey().startsWith(prefix)) {
        break;
      }
      consumer.accept(new ObjectInfo(entry.getKey(), entry.getValue().length));
    }
  }

  @Override
  public Optional<ObjectInfo> stat(String name) {
    byte[] content = objects.get(ObjectNames.requireValid(name));
    return content == null ? Optional.empty() : Optional.of(new ObjectInfo(name, content.length));
  }

  @Override
  public void delete(String name) {
    objects.remove(ObjectNames.requireValid(name));
  }

  @Override
  public String location() {
    return "memory:" + Integer.toHexString(System.identityHashCode(this));
  }

  /** Replaces an object's bytes, bypassing create-if-absent: only for tests that corrupt data. */
  public void replaceForTesting(String name, byte[] content) {
    objects.put(name, content.clone());
  }

  private byte[] existing(String name) throws NoSuchObjectException {
    byte[] content = objects.get(ObjectNames.requireValid(name));
    if (content == null) {
      throw new NoSuchObjectException(name, location());
    }
    return content;
  }
}
