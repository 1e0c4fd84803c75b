package dev.bookwell.platform.auth;

import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The ES256 keys of access tokens (PEM: PKCS#8 private, X.509 public), each with a key id ({@code kid}) that tokens
 * carry in their header. One key signs; it and the keys before it that may still have tokens alive verify.
 * Where they come from is {@code BOOKWELL_JWT_KEYS}: {@code file} (made once in the data directory, for one node),
 * {@code config}, or {@code database} ({@link StoredKeys}: one set for a whole cluster, rotated), which this
 * object reloads on {@link #refresh()}; the others never change while running.
 */
public final class JwtKeys {

  public static final String ALGORITHM = "ES256";

  /** How often keys kept in the database are loaded again (a new one signs two reloads after it was made). */
  public static final java.time.Duration REFRESH = java.time.Duration.ofMinutes(1);

  /** A key pair; {@code privatePem} is null for a key that only verifies. */
  public record Key(String kid, String privatePem, String publicPem) {

    public static Key of(String privatePem, String publicPem) {
      return new Key(kidOf(publicPem), privatePem, publicPem);
    }

    Key publicOnly() {
      return new Key(kid, null, publicPem);
    }
  }

  /** What signs now, and every key a token alive now may be signed with (the signing one first). */
  public record Ring(Key signing, List<Key> verifying) {
  }

  private final AtomicReference<Ring> ring;
  private final byte[] tokenKey;
  private final Supplier<Future<Ring>> reload;

  private JwtKeys(Ring ring, byte[] tokenKey, Supplier<Future<Ring>> reload) {
    this.ring = new AtomicReference<>(ring);
    this.tokenKey = tokenKey;
    this.reload = reload;
  }

  /** A fresh pair that never changes (tests). */
  public static JwtKeys generate() {
    Key key = newKey();
    return new JwtKeys(new Ring(key, List.of(key)), legacyTokenKey(key), null);
  }

  /** At boot: the keys {@code config} says to use. Reading files runs on a worker thread. */
  public static Future<JwtKeys> load(Vertx vertx, Config config, Db db) {
    var keys = config.keys();
    return switch (keys.source()) {
      case "database" -> stored(new StoredKeys(db, keys, config.identity().accessTokenTtl()),
          tokenKey(config, null));
      case "config" -> {
        var identity = config.identity();
        Key key = Key.of(identity.jwtPrivateKey().orElseThrow(), identity.jwtPublicKey().orElseThrow());
        var verifying = new java.util.ArrayList<>(List.of(key));
        keys.previousPublicKeys().forEach(pem -> verifying.add(Key.of(null, pem)));
        yield Future.succeededFuture(new JwtKeys(new Ring(key, List.copyOf(verifying)), tokenKey(config, key), null));
      }
      default -> vertx.executeBlocking(() -> {
        Key key = fromFiles(config.dataDir());
        return new JwtKeys(new Ring(key, List.of(key)), tokenKey(config, key), null);
      });
    };
  }

  static Future<JwtKeys> stored(StoredKeys stored, byte[] tokenKey) {
    return stored.ring().map(ring -> new JwtKeys(ring, tokenKey, stored::ring));
  }

  public Ring ring() {
    return ring.get();
  }

  /** Loads the keys again where they can change (the database); a no-op elsewhere. */
  public Future<Void> refresh() {
    // replaced only when the keys changed (records compare by value), so what derived() made is made again only then
    return reload == null ? Future.succeededFuture() : reload.get().onSuccess(next -> {
      if (!next.equals(ring.get())) {
        ring.set(next);
      }
    }).mapEmpty();
  }

  /** {@code make} of the current keys, made again only when the keys changed (a JWT provider, say). */
  public <T> Supplier<T> derived(Function<Ring, T> make) {
    var made = new AtomicReference<Map.Entry<Ring, T>>();
    return () -> {
      Ring now = ring.get();
      var last = made.get();
      if (last == null || last.getKey() != now) {
        last = Map.entry(now, make.apply(now));
        made.set(last);
      }
      return last.getValue();
    };
  }

  /**
   * The key that derives reset, invitation and guest booking tokens ({@link SecretTokens#derive}). From
   * {@code BOOKWELL_SECRET_KEY} when set, so a key rotation leaves those tokens valid; otherwise, as before there
   * was a secret key, a digest of the private key, so every instance that can sign derives the same tokens.
   */
  public byte[] tokenKey() {
    return tokenKey.clone();
  }

  private static byte[] tokenKey(Config config, Key signing) {
    return config.keys().secretKey().map(secret -> SecretTokens.digest("bookwell derived tokens v2\n" + secret))
        .orElseGet(() -> legacyTokenKey(signing));
  }

  private static byte[] legacyTokenKey(Key key) {
    return SecretTokens.digest("bookwell derived tokens v1\n" + key.privatePem());
  }

  /**
   * The key id: the first 16 hex digits of the SHA-256 of the public key's base64 body, whitespace and line endings
   * left out, so the same key gives the same id on every node however its PEM was copied.
   */
  static String kidOf(String publicPem) {
    return HexFormat.of().formatHex(SecretTokens.digest(publicPem.replaceAll("\\s", "")), 0, 8);
  }

  private static Key fromFiles(Path dataDir) {
    Path privateFile = dataDir.resolve("jwt-es256-private.pem");
    Path publicFile = dataDir.resolve("jwt-es256-public.pem");
    try {
      if (Files.exists(privateFile) && Files.exists(publicFile)) {
        return Key.of(Files.readString(privateFile), Files.readString(publicFile));
      }
      Key key = newKey();
      Files.createDirectories(dataDir);
      Files.writeString(publicFile, key.publicPem());
      Files.writeString(privateFile, key.privatePem());
      try {
        Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // best effort on file systems without POSIX permissions
      }
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the JWT keys in " + dataDir, e);
    }
  }

  static Key newKey() {
    try {
      var generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      var pair = generator.generateKeyPair();
      return Key.of(pem("PRIVATE KEY", pair.getPrivate().getEncoded()), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an ES256 key pair", e);
    }
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
