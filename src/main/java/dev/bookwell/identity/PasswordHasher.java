package dev.bookwell.identity;

import dev.bookwell.platform.config.Config;
import io.vertx.core.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id (BouncyCastle), stored in the PHC string format: {@code $argon2id$v=19$m=19456,t=2,p=1$salt$hash}.
 * The parameters travel with each hash, so changing them in configuration keeps old hashes verifiable.
 * Deliberately slow and memory-hard: it refuses to run on an event loop.
 */
final class PasswordHasher {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64_DECODER = Base64.getDecoder();

  private final int memoryKib;
  private final int iterations;
  private final int parallelism;

  PasswordHasher(Config.Identity config) {
    this.memoryKib = config.argon2MemoryKib();
    this.iterations = config.argon2Iterations();
    this.parallelism = config.argon2Parallelism();
  }

  String hash(String password) {
    requireWorkerThread();
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    byte[] hash = derive(password, salt, memoryKib, iterations, parallelism, 32);
    return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism
        + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
  }

  /** False for a wrong password and for anything that is not an Argon2id PHC string. */
  boolean verify(String password, String phc) {
    requireWorkerThread();
    String[] parts = phc.split("\\$");  // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
    if (parts.length != 6 || !parts[1].equals("argon2id")) {
      return false;
    }
    int m = 0;
    int t = 0;
    int p = 0;
    for (String setting : parts[3].split(",")) {
      int value = Integer.parseInt(setting.substring(2));
      switch (setting.charAt(0)) {
        case 'm' -> m = value;
        case 't' -> t = value;
        case 'p' -> p = value;
        default -> {
          return false;
        }
      }
    }
    byte[] expected = B64_DECODER.decode(parts[5]);
    byte[] actual = derive(password, B64_DECODER.decode(parts[4]), m, t, p, expected.length);
    return MessageDigest.isEqual(expected, actual);
  }

  private static byte[] derive(String password, byte[] salt, int memoryKib, int iterations, int parallelism,
                               int length) {
    var generator = new Argon2BytesGenerator();
    generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withMemoryAsKB(memoryKib)
        .withIterations(iterations)
        .withParallelism(parallelism)
        .withSalt(salt)
        .build());
    byte[] out = new byte[length];
    generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
    return out;
  }

  private static void requireWorkerThread() {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("password hashing must not run on an event loop");
    }
  }
}
