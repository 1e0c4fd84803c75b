package dev.bookwell.platform;

import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;

/** What every verticle is given: the configuration, the database, and the name of the metrics registry. */
public record Platform(Config config, Db db, String metricsRegistry) {
}
