package dev.bookwell.platform.api;

import java.time.OffsetDateTime;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/** Newest-first keyset pages over (a time, an id): the condition after a cursor, and the cursor of a row. */
public final class Keyset {

  private Keyset() {
  }

  /** Rows after {@code cursor} in (time desc, id desc) order; no condition for the first page. */
  public static Condition after(Field<OffsetDateTime> time, Field<UUID> id, String cursor) {
    if (cursor == null) {
      return DSL.noCondition();
    }
    Cursor decoded = Cursor.decode(cursor);
    return DSL.row(time, id).lt(DSL.row(DSL.val(decoded.time()), DSL.val(decoded.uuid())));
  }

  public static Cursor cursor(OffsetDateTime time, UUID id) {
    return new Cursor(time.toString(), id.toString());
  }
}
