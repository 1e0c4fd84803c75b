package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static org.jooq.impl.DSL.currentOffsetDateTime;
import static org.jooq.impl.DSL.field;

import dev.bookwell.db.enums.PlatformRole;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.SelectConditionStep;

/** What login and token refresh need to know about an account, with "locked" judged by the database clock. */
record Account(UUID id, String email, String passwordHash, String name, PlatformRole[] roles,
               boolean locked, boolean usable) {

  static Future<Optional<Account>> byEmail(Sql sql, String email) {
    return first(sql, select(APP_USER.EMAIL.eq(email)));
  }

  static Future<Optional<Account>> byId(Sql sql, UUID id) {
    return first(sql, select(APP_USER.ID.eq(id)));
  }

  private static Future<Optional<Account>> first(Sql sql, SelectConditionStep<?> query) {
    return sql.fetchInto(query, Account.class).map(found -> found.stream().findFirst());
  }

  private static SelectConditionStep<?> select(Condition which) {
    return Sql.DSL.select(APP_USER.ID, APP_USER.EMAIL, APP_USER.PASSWORD_HASH, APP_USER.NAME, APP_USER.ROLES,
            field(APP_USER.LOCKED_UNTIL.isNotNull().and(APP_USER.LOCKED_UNTIL.gt(currentOffsetDateTime())))
                .as("locked"),
            field(APP_USER.DELETED_AT.isNull().and(APP_USER.DEACTIVATED_AT.isNull())).as("usable"))
        .from(APP_USER)
        .where(which);
  }

  /** Emails are compared and stored trimmed and lower-case. */
  static String normalizeEmail(String email) {
    return email == null ? null : email.trim().toLowerCase(java.util.Locale.ROOT);
  }
}
