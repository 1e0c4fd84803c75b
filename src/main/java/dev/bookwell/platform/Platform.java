package dev.bookwell.platform;

import dev.bookwell.platform.auth.JwtKeys;
import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;

/** What every verticle is given: configuration, database, token keys, and the name of the metrics registry. */
public record Platform(Config config, Db db, JwtKeys jwtKeys, String metricsRegistry) {
}
