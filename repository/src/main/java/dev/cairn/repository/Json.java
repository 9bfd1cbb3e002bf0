package dev.cairn.repository;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;

/** The one JSON configuration used for every JSON object in the repository. */
public final class Json {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .findAndRegisterModules()
          .setSerializationInclusion(JsonInclude.Include.NON_NULL)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private Json() {}

  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  /**
   * Parses {@code bytes} as a {@code type}.
   *
   * @throws DamagedObjectException naming {@code objectName} when the JSON is malformed
   */
  public static <T> T read(byte[] bytes, Class<T> type, String objectName)
      throws DamagedObjectException {
    T value;
    try {
      value = MAPPER.readValue(bytes, type);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new DamagedObjectException(objectName, "malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new DamagedObjectException(objectName, "unreadable JSON: " + e.getMessage());
    }
    if (value == null) {
      throw new DamagedObjectException(objectName, "JSON null where an object belongs");
    }
    return value;
  }
}
