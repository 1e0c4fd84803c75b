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
    assertEquals(24, tag.length());  // 22 characters of base64url in quotes
  }
}
