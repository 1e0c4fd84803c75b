package dev.bookwell.platform.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The tag is a digest of exactly the bytes sent, however the buffer holding them was made. */
class ETagsTest {

  @Test
  void theTagOfABufferIsTheTagOfItsBytes() {
    byte[] json = "{\"items\":[{\"id\":\"a\"}]}".getBytes(StandardCharsets.UTF_8);
    String tag = ETags.of(Buffer.buffer(json));
    // a slice in the middle of a larger buffer, and a buffer with room to spare: only the bytes written count
    Buffer around = Buffer.buffer("xx").appendBytes(json).appendString("yy");
    assertEquals(tag, ETags.of(around.slice(2, 2 + json.length)));
    assertEquals(tag, ETags.of(Buffer.buffer(4096).appendBytes(json)));
    assertNotEquals(tag, ETags.of(around));
    // the tag of these bytes as clients and caches hold it (the first 22 base64url characters of their SHA-256):
    // a change of the scheme would make every cached representation look changed
    assertEquals("\"H7oweDWFQ-E9_QUiSqemhn\"", tag);
  }
}
