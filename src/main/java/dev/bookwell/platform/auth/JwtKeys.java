package dev.bookwell.platform.auth;

import dev.bookwell.platform.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * The ES256 key pair that signs access tokens (PEM: PKCS#8 private, X.509 public). From configuration when given;
 * otherwise generated once and kept in the data directory, so tokens survive restarts.
 */
public record JwtKeys(String privatePem, String publicPem) {

  public static final String ALGORITHM = "ES256";

  /** Reads files; call at boot, off the event loop. */
  public static JwtKeys load(Config config) {
    var identity = config.identity();
    if (identity.jwtPrivateKey().isPresent() && identity.jwtPublicKey().isPresent()) {
      return new JwtKeys(identity.jwtPrivateKey().get(), identity.jwtPublicKey().get());
    }
    Path privateFile = config.dataDir().resolve("jwt-es256-private.pem");
    Path publicFile = config.dataDir().resolve("jwt-es256-public.pem");
    try {
      if (Files.exists(privateFile) && Files.exists(publicFile)) {
        return new JwtKeys(Files.readString(privateFile), Files.readString(publicFile));
      }
      JwtKeys keys = generate();
      Files.createDirectories(config.dataDir());
      Files.writeString(publicFile, keys.publicPem());
      Files.writeString(privateFile, keys.privatePem());
      try {
        Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // best effort on file systems without POSIX permissions
      }
      return keys;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the JWT keys in " + config.dataDir(), e);
    }
  }

  /**
   * The key that derives reset, invitation and guest booking tokens ({@link SecretTokens#derive}): a digest of the
   * private key, so every instance that can sign access tokens derives the same tokens and nothing new is configured.
   */
  public byte[] tokenKey() {
    return SecretTokens.digest("bookwell derived tokens v1\n" + privatePem);
  }

  public static JwtKeys generate() {
    try {
      var generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      var pair = generator.generateKeyPair();
      return new JwtKeys(pem("PRIVATE KEY", pair.getPrivate().getEncoded()),
          pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an ES256 key pair", e);
    }
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
