package dev.bookwell.platform.db;

import org.flywaydb.core.Flyway;

/** Applies the Flyway migrations shipped in the jar under {@code db/migration}. Blocking: call off the event loop. */
public final class Migrations {

  private Migrations() {
  }

  public static void apply(String jdbcUrl, String user, String password) {
    Flyway.configure()
        .dataSource(jdbcUrl, user, password)
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }
}
