package dev.bookwell.platform.db;

import java.time.Duration;
import java.time.OffsetDateTime;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** Times computed by the database clock, so every instance agrees on "now". */
public final class SqlTime {

  private SqlTime() {
  }

  public static Field<OffsetDateTime> now() {
    return DSL.currentOffsetDateTime();
  }

  /** {@code now() + duration}, with the duration bound as seconds. */
  public static Field<OffsetDateTime> nowPlus(Duration duration) {
    return DSL.field("now() + make_interval(secs => {0})", SQLDataType.TIMESTAMPWITHTIMEZONE,
        DSL.val(duration.toMillis() / 1000.0));
  }
}
