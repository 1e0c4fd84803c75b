package dev.bookwell.platform.auth;

import static dev.bookwell.db.Tables.SIGNING_KEY;

import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Locks;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * Signing keys kept in the database for every node of a cluster ({@code BOOKWELL_JWT_KEYS=database}).
 *
 * <p>Rotation without a node ever rejecting a live token: a new pair is made (once, under an advisory lock) when the
 * newest is older than {@code BOOKWELL_JWT_ROTATION}, but it only starts signing {@code publishDelay} later (three
 * reloads: by then every node verifies with it); the key it replaces keeps verifying until the last token it signed
 * has expired (access-token lifetime, plus {@code skew}: reloads a node may have missed, clock differences). Key ids are derived from the public key, so a
 * token names the key that checks it.
 *
 * <p>Private keys are sealed with AES-256-GCM under a key derived from {@code BOOKWELL_SECRET_KEY}, with the key id
 * and the public key as associated data: a sealed key moved to another row does not open, and every key that
 * verifies is opened first, so a row written without the secret (a public key of someone else's) is never trusted.
 * A signing key that does not open stops the boot (a wrong secret); a verifying one is left out and logged.
 */
final class StoredKeys {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StoredKeys.class);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Db db;
  private final Duration rotation;
  private final Duration tokenTtl;
  private final Duration publishDelay;
  private final Duration skew;
  private final SecretKeySpec sealing;

  StoredKeys(Db db, Config.Keys keys, Duration tokenTtl) {
    // published three reloads before it signs (a node that missed two still knows it); the old one verifies five
    // reloads past its last token's expiry (a node that missed some still signed with it meanwhile)
    this(db, keys, tokenTtl, JwtKeys.REFRESH.multipliedBy(3), JwtKeys.REFRESH.multipliedBy(5));
  }

  /** {@code publishDelay}: how long a new key only verifies; {@code skew}: how long past expiry a token may come. */
  StoredKeys(Db db, Config.Keys keys, Duration tokenTtl, Duration publishDelay, Duration skew) {
    this.db = db;
    this.rotation = keys.rotation();
    this.tokenTtl = tokenTtl;
    this.publishDelay = publishDelay;
    this.skew = skew;
    this.sealing = new SecretKeySpec(SecretTokens.digest("bookwell signing keys v1\n" + keys.secretKey().orElseThrow()),
        "AES");
  }

  /** The keys as they are now, after making a new pair when the newest is due for rotation. */
  Future<JwtKeys.Ring> ring() {
    return rows().compose(rows -> due(rows) ? rotate().compose(x -> rows()) : Future.succeededFuture(rows))
        .map(this::ring);
  }

  /**
   * The newest keys that open with this node's secret, oldest first, each with the database's clock. Keys are
   * there but none opens: the secret is wrong, and this node stops here, before it could add a key of its own that
   * the others cannot open.
   */
  private Future<List<Record>> rows() {
    return db.fetch(Sql.DSL.select(SIGNING_KEY.KID, SIGNING_KEY.PUBLIC_PEM, SIGNING_KEY.SEALED_PRIVATE,
                SIGNING_KEY.CREATED_AT, DSL.currentOffsetDateTime().as("now"))
            .from(SIGNING_KEY).orderBy(SIGNING_KEY.CREATED_AT.desc()).limit(50))
        .map(rows -> {
          List<Record> opened = new ArrayList<Record>(rows.stream().filter(row -> key(row, false) != null)
              .toList()).reversed();
          if (!rows.isEmpty() && opened.isEmpty()) {
            throw new IllegalStateException("BOOKWELL_SECRET_KEY does not open the signing keys in the database: "
                + "every node needs the secret key they were sealed with");
          }
          return opened;
        });
  }

  private boolean due(List<Record> rows) {
    return rows.isEmpty() || created(rows.getLast()).plus(rotation).isBefore(now(rows.getLast()));
  }

  /** Makes the next pair, unless another node did meanwhile. */
  private Future<Void> rotate() {
    JwtKeys.Key key = JwtKeys.newKey();
    return db.transaction(tx -> Locks.lock(tx, "signing-key rotation")
        .compose(x -> tx.fetch(Sql.DSL.select(SIGNING_KEY.CREATED_AT, DSL.currentOffsetDateTime().as("now"))
            .from(SIGNING_KEY).orderBy(SIGNING_KEY.CREATED_AT.desc()).limit(1)))
        .compose(newest -> !due(List.copyOf(newest)) ? Future.succeededFuture()
            : tx.update(Sql.DSL.insertInto(SIGNING_KEY).set(SIGNING_KEY.KID, key.kid())
                .set(SIGNING_KEY.PUBLIC_PEM, key.publicPem()).set(SIGNING_KEY.SEALED_PRIVATE, seal(key))).mapEmpty()));
  }

  /**
   * Which key signs: the newest whose publish delay has passed (the very first key signs at once: no node had
   * another); which verify: that one, the newer ones (published, not signing yet), and older ones whose tokens may
   * still be alive.
   */
  private JwtKeys.Ring ring(List<Record> rows) {
    OffsetDateTime now = now(rows.getLast());
    int signing = 0;
    for (int i = 1; i < rows.size(); i++) {
      if (!created(rows.get(i)).plus(publishDelay).isAfter(now)) {
        signing = i;
      }
    }
    var verifying = new ArrayList<JwtKeys.Key>();
    JwtKeys.Key signer = key(rows.get(signing), true);
    verifying.add(signer.publicOnly());
    for (int i = 0; i < rows.size(); i++) {
      boolean newer = i > signing;
      boolean alive = i < signing
          && created(rows.get(i + 1)).plus(publishDelay).plus(tokenTtl).plus(skew).isAfter(now);
      JwtKeys.Key key = newer || alive ? key(rows.get(i), false) : null;
      if (key != null) {
        verifying.add(key);
      }
    }
    return new JwtKeys.Ring(signer, List.copyOf(verifying));
  }

  /** The row's key, opened (which proves it was sealed with the secret); null when it does not open. */
  private JwtKeys.Key key(Record row, boolean signing) {
    String kid = row.get(SIGNING_KEY.KID);
    String publicPem = row.get(SIGNING_KEY.PUBLIC_PEM);
    try {
      String privatePem = unseal(kid, publicPem, row.get(SIGNING_KEY.SEALED_PRIVATE));
      if (!JwtKeys.kidOf(publicPem).equals(kid)) {
        throw new GeneralSecurityException("its id is not its public key's");
      }
      return new JwtKeys.Key(kid, signing ? privatePem : null, publicPem);
    } catch (GeneralSecurityException e) {
      if (signing) {
        throw new IllegalStateException("BOOKWELL_SECRET_KEY does not open signing key " + kid + " in the "
            + "database: every node needs the secret key the keys were sealed with", e);
      }
      LOG.error("signing key {} in the database does not open with BOOKWELL_SECRET_KEY: not trusted", kid);
      return null;
    }
  }

  private byte[] seal(JwtKeys.Key key) {
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, key.kid(), key.publicPem(), nonce);
      byte[] sealed = cipher.doFinal(key.privatePem().getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot seal a signing key", e);
    }
  }

  private String unseal(String kid, String publicPem, byte[] sealed) throws GeneralSecurityException {
    Cipher cipher = cipher(Cipher.DECRYPT_MODE, kid, publicPem, java.util.Arrays.copyOf(sealed, 12));
    return new String(cipher.doFinal(sealed, 12, sealed.length - 12), StandardCharsets.UTF_8);
  }

  private Cipher cipher(int mode, String kid, String publicPem, byte[] nonce) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, sealing, new GCMParameterSpec(128, nonce));
    cipher.updateAAD((kid + "\n" + publicPem).getBytes(StandardCharsets.UTF_8));
    return cipher;
  }

  private static OffsetDateTime created(Record row) {
    return row.get(SIGNING_KEY.CREATED_AT);
  }

  private static OffsetDateTime now(Record row) {
    return row.get("now", OffsetDateTime.class);
  }
}
