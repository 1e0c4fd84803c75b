package dev.bookwell.platform.db;

import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.tables.records.OutboxEventRecord;
import dev.bookwell.support.TestDatabase;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.jooq.EnumType;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.postgres.extensions.bindings.OffsetDateTimeRangeBinding;
import org.jooq.postgres.extensions.types.OffsetDateTimeRange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The jOOQ bridge against a real PostgreSQL: every bind and result type the areas rely on, and transactions. */
class SqlBridgeTest {

  /** Stands in for a generated PostgreSQL enum. */
  enum Mood implements EnumType {
    CALM("calm"), BUSY("busy");

    private final String literal;

    Mood(String literal) {
      this.literal = literal;
    }

    @Override
    public String getLiteral() {
      return literal;
    }

    @Override
    public String getName() {
      return "probe_mood";
    }
  }

  static final Table<Record> PROBE = table(name("bridge_probe"));
  static final Field<UUID> ID = field(name("id"), SQLDataType.UUID);
  static final Field<OffsetDateTime> AT = field(name("at"), SQLDataType.TIMESTAMPWITHTIMEZONE);
  static final Field<JSONB> DOC = field(name("doc"), SQLDataType.JSONB);
  static final Field<Mood> MOOD = field(name("mood"), SQLDataType.VARCHAR.asEnumDataType(Mood.class));
  static final Field<OffsetDateTimeRange> DURING =
      field(name("during"), SQLDataType.OTHER.asConvertedDataType(new OffsetDateTimeRangeBinding()));
  static final Field<String[]> TAGS = field(name("tags"), SQLDataType.CLOB.array());
  static final Field<Mood[]> MOODS =
      field(name("moods"), SQLDataType.VARCHAR.asEnumDataType(Mood.class).array());
  static final Field<Integer[]> COUNTS = field(name("counts"), SQLDataType.INTEGER.array());
  static final Field<String> NOTE = field(name("note"), SQLDataType.CLOB);
  static final Field<BigDecimal> AMOUNT = field(name("amount"), SQLDataType.NUMERIC(12, 2));
  static final Field<byte[]> BLOB = field(name("blob"), SQLDataType.BLOB);
  static final Field<LocalDate> DAY = field(name("day"), SQLDataType.LOCALDATE);

  static Vertx vertx;
  static Db db;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    db = new Db(TestDatabase.fresh().createPool(vertx, 4));
    Wait.on(db.execute(Sql.DSL.query("create type probe_mood as enum ('calm', 'busy')"))
        .compose(x -> db.execute(Sql.DSL.query("""
            create table bridge_probe (id uuid primary key, at timestamptz, doc jsonb, mood probe_mood,
              during tstzrange, tags text[], moods probe_mood[], counts int[], note text, amount numeric(12, 2), day date, blob bytea)"""))));
  }

  @AfterAll
  static void tearDown() {
    Wait.on(vertx.close());
  }

  @Test
  void everyTypeRoundTripsThroughBindsAndResults() {
    var id = UUID.randomUUID();
    var at = OffsetDateTime.of(2026, 3, 29, 1, 30, 0, 0, ZoneOffset.ofHours(2));
    var during = OffsetDateTimeRange.offsetDateTimeRange(at, at.plusHours(1));
    var doc = JSONB.valueOf("{\"seats\": 12, \"tags\": [\"first-aid\"], \"nested\": {\"ok\": true}}");

    Wait.on(db.update(Sql.DSL.insertInto(PROBE)
        .columns(ID, AT, DOC, MOOD, DURING, TAGS, COUNTS, NOTE, AMOUNT, DAY)
        .values(id, at, doc, Mood.BUSY, during, new String[] {"a", "b c"}, new Integer[] {1, 2, 3},
            "O'Brien; drop table x", new BigDecimal("1234.50"), LocalDate.of(2026, 10, 25))));

    var row = Wait.on(db.fetchOne(Sql.DSL.select(ID, AT, DOC, MOOD, DURING, TAGS, COUNTS, NOTE, AMOUNT, DAY)
        .from(PROBE).where(ID.eq(id))));

    assertEquals(id, row.value1());
    assertTrue(at.isEqual(row.value2()), "same instant");
    assertEquals(io.vertx.core.json.Json.decodeValue(doc.data()), io.vertx.core.json.Json.decodeValue(row.value3().data()));
    assertEquals(Mood.BUSY, row.value4());
    assertTrue(at.isEqual(row.value5().lower()) && at.plusHours(1).isEqual(row.value5().upper()), "range bounds");
    assertArrayEquals(new String[] {"a", "b c"}, row.value6());
    assertArrayEquals(new Integer[] {1, 2, 3}, row.value7());
    assertEquals("O'Brien; drop table x", row.value8());
    assertEquals(new BigDecimal("1234.50"), row.value9());
    assertEquals(LocalDate.of(2026, 10, 25), row.value10());
  }

  /**
   * {@link Records#into} makes the record jOOQ's {@code into} makes, from a row with the table's columns in another
   * order, one of them under an alias of its name and one of another type (converted), a column of another table
   * beside them, and without a column (null); nothing is marked changed. With two columns of a name, the table's.
   */
  @Test
  void aRowIntoATableRecordAsJooqMakesIt() {
    var id = UUID.randomUUID();
    Wait.on(db.update(Sql.DSL.insertInto(OUTBOX_EVENT).set(OUTBOX_EVENT.ID, id).set(OUTBOX_EVENT.TYPE, "probe.made")
        .set(OUTBOX_EVENT.AGGREGATE_TYPE, "probe").set(OUTBOX_EVENT.AGGREGATE_ID, "p-1")
        .set(OUTBOX_EVENT.PAYLOAD, JSONB.valueOf("{\"n\": 1}"))));
    var row = Wait.on(db.fetchOne(Prepared.of(Sql.DSL.select(OUTBOX_EVENT.PAYLOAD, OUTBOX_EVENT.ID,
            OUTBOX_EVENT.SEQ.cast(Integer.class).as("seq"), org.jooq.impl.DSL.upper(OUTBOX_EVENT.TYPE).as("type"),
            OUTBOX_EVENT.AGGREGATE_TYPE, OUTBOX_EVENT.AGGREGATE_ID, OUTBOX_EVENT.OCCURRED_AT,
            org.jooq.impl.DSL.inline("other").as("note"))
        .from(OUTBOX_EVENT).where(OUTBOX_EVENT.ID.eq(org.jooq.impl.DSL.param("id", OUTBOX_EVENT.ID)))),
        java.util.Map.of("id", id)));
    var made = Records.into(row, OUTBOX_EVENT);
    assertEquals(row.into(OUTBOX_EVENT), made);
    assertEquals("PROBE.MADE", made.getType());
    assertEquals(Long.valueOf((Integer) row.get("seq")), made.getSeq());
    assertEquals(id, made.getId());
    assertTrue(made.getOccurredAt() != null && made.getPublishedAt() == null, "a column the row lacks is null");
    assertTrue(!made.changed(), "nothing changed");
    // two columns named id (a join): the table's own, as jOOQ picks it
    var joined = Wait.on(db.fetchOne(Sql.DSL.select(org.jooq.impl.DSL.inline(UUID.randomUUID()).as("id"))
        .select(OUTBOX_EVENT.fields()).from(OUTBOX_EVENT).where(OUTBOX_EVENT.ID.eq(id))));
    assertEquals(id, Records.into(joined, OUTBOX_EVENT).getId());
  }

  /**
   * A statement rendered once: each run binds its own values, a parameter used twice gets its value in both
   * places, constants stay as built (a {@code $} in a literal is text), and a run that forgets a parameter fails
   * before anything is sent.
   */
  @Test
  void preparedStatementsBindEachRunsValues() {
    var statement = Prepared.of(Sql.DSL.insertInto(PROBE).columns(ID, NOTE, MOOD, AMOUNT)
        .select(Sql.DSL.select(org.jooq.impl.DSL.param("id", ID), org.jooq.impl.DSL.param("note", NOTE),
                org.jooq.impl.DSL.val(Mood.CALM, MOOD), org.jooq.impl.DSL.param("amount", AMOUNT))
            .whereNotExists(Sql.DSL.selectOne().from(PROBE).where(ID.eq(org.jooq.impl.DSL.param("id", ID))))
            .and(org.jooq.impl.DSL.inline("it's $note, not a parameter").isNotNull()))
        .returning(ID, NOTE, MOOD, AMOUNT));
    var first = UUID.randomUUID();
    var second = UUID.randomUUID();
    var values = new java.util.HashMap<String, Object>();
    values.put("id", first);
    values.put("note", "O'Brien $1");
    values.put("amount", new BigDecimal("12.50"));
    var made = Wait.on(db.fetch(statement, values));
    values.put("id", second);
    values.put("note", null);
    Wait.on(db.fetch(statement, values));
    var again = Wait.on(db.fetch(statement, java.util.Map.of("id", first, "note", "x", "amount", BigDecimal.ONE)));

    assertEquals(1, made.size());
    // the constant is written into the statement, as a generic plan needs it to match a partial index
    assertTrue(statement.sql.matches("(?s).*'calm'.*") && !statement.sql.contains("$5"), statement.sql);
    assertEquals("O'Brien $1", made.get(0).get(NOTE));
    assertEquals(Mood.CALM, made.get(0).get(MOOD));
    assertTrue(again.isEmpty(), "the second use of $id kept out the duplicate");
    var rows = Wait.on(db.fetch(Sql.DSL.select(ID, NOTE, AMOUNT).from(PROBE).where(ID.in(first, second))
        .orderBy(NOTE.nullsLast())));
    assertEquals(List.of("O'Brien $1", "12.50"), List.of(rows.get(0).value2(), rows.get(0).value3().toPlainString()));
    assertNull(rows.get(1).value2());
    var missing = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> db.fetch(statement, java.util.Map.of("id", UUID.randomUUID())));
    assertTrue(missing.getMessage().contains("$note"), missing.getMessage());
  }

  @Test
  void byteaRoundTripsAndFilters() {
    var id = UUID.randomUUID();
    byte[] bytes = {0, 1, 2, (byte) 0xff, 42};
    Wait.on(db.update(Sql.DSL.insertInto(PROBE).columns(ID, BLOB).values(id, bytes)));
    var row = Wait.on(db.fetchOne(Sql.DSL.select(ID, BLOB).from(PROBE).where(BLOB.eq(bytes))));
    assertEquals(id, row.value1());
    assertArrayEquals(bytes, row.value2());
  }

  @Test
  void enumArraysRoundTripAndFilter() {
    var id = UUID.randomUUID();
    Wait.on(db.update(Sql.DSL.insertInto(PROBE).columns(ID, MOODS).values(id, new Mood[] {Mood.CALM, Mood.BUSY})));

    var row = Wait.on(db.fetchOne(Sql.DSL.select(MOODS).from(PROBE)
        .where(ID.eq(id)).and(field("{0} @> {1}", Boolean.class, MOODS,
            org.jooq.impl.DSL.val(new Mood[] {Mood.BUSY}, MOODS)))));
    assertArrayEquals(new Mood[] {Mood.CALM, Mood.BUSY}, row.value1());
  }

  @Test
  void nullsBindAndReadBackAsNull() {
    var id = UUID.randomUUID();
    Wait.on(db.update(Sql.DSL.insertInto(PROBE)
        .columns(ID, AT, DOC, MOOD, DURING, TAGS, COUNTS, NOTE, AMOUNT, DAY)
        .values(id, null, null, null, null, null, null, null, null, null)));

    var row = Wait.on(db.fetchOne(Sql.DSL.select(AT, DOC, MOOD, DURING, TAGS, NOTE).from(PROBE).where(ID.eq(id))));
    for (int i = 0; i < row.size(); i++) {
      assertNull(row.get(i), "column " + row.field(i).getName());
    }
  }

  @Test
  void bindValuesWorkInFilters() {
    var id = UUID.randomUUID();
    var at = OffsetDateTime.parse("2026-06-01T09:00:00Z");
    Wait.on(db.update(Sql.DSL.insertInto(PROBE).columns(ID, MOOD, DURING, TAGS, DOC)
        .values(id, Mood.CALM, OffsetDateTimeRange.offsetDateTimeRange(at, at.plusHours(2)),
            new String[] {"x", "y"}, JSONB.valueOf("{\"k\": \"v\"}"))));

    var overlapping = OffsetDateTimeRange.offsetDateTimeRange(at.plusHours(1), at.plusHours(3));
    var found = Wait.on(db.fetch(Sql.DSL.select(ID).from(PROBE)
        .where(MOOD.eq(Mood.CALM))
        .and(field("{0} && {1}", Boolean.class, DURING, org.jooq.impl.DSL.val(overlapping, DURING)))
        .and(field("{0} @> {1}", Boolean.class, TAGS, org.jooq.impl.DSL.val(new String[] {"y"}, TAGS)))
        .and(field("{0} @> {1}", Boolean.class, DOC, org.jooq.impl.DSL.val(JSONB.valueOf("{\"k\": \"v\"}"))))));

    assertEquals(List.of(id), found.stream().map(r -> r.value1()).toList());
  }

  @Test
  void generatedRecordsComeBackFromReturningAndSelectFrom() {
    OutboxEventRecord inserted = Wait.on(db.fetchOne(Sql.DSL.insertInto(OUTBOX_EVENT)
        .set(OUTBOX_EVENT.TYPE, "probe.created")
        .set(OUTBOX_EVENT.AGGREGATE_TYPE, "probe")
        .set(OUTBOX_EVENT.AGGREGATE_ID, "p-1")
        .set(OUTBOX_EVENT.PAYLOAD, JSONB.valueOf("{\"n\": 1}"))
        .returning()));

    assertNotNull(inserted.getSeq());
    assertNotNull(inserted.getId());
    assertNotNull(inserted.getOccurredAt());
    assertNull(inserted.getPublishedAt());

    OutboxEventRecord read = Wait.on(db.fetchOne(
        Sql.DSL.selectFrom(OUTBOX_EVENT).where(OUTBOX_EVENT.ID.eq(inserted.getId()))));
    assertEquals(inserted, read);
    assertEquals("{\"n\":1}", read.getPayload().data().replace(" ", ""));
  }

  record EventSummary(String type, String aggregateId) {
  }

  @Test
  void rowsMapIntoJavaRecordsOfOurOwn() {
    Wait.on(db.update(Sql.DSL.insertInto(OUTBOX_EVENT)
        .columns(OUTBOX_EVENT.TYPE, OUTBOX_EVENT.AGGREGATE_TYPE, OUTBOX_EVENT.AGGREGATE_ID, OUTBOX_EVENT.PAYLOAD)
        .values("probe.mapped", "probe", "p-2", JSONB.valueOf("{}"))));

    List<EventSummary> summaries = Wait.on(db.fetchInto(
        Sql.DSL.select(OUTBOX_EVENT.TYPE, OUTBOX_EVENT.AGGREGATE_ID).from(OUTBOX_EVENT)
            .where(OUTBOX_EVENT.TYPE.eq("probe.mapped")), EventSummary.class));

    assertEquals(List.of(new EventSummary("probe.mapped", "p-2")), summaries);
  }

  /**
   * Ranges are read by {@link TimeRanges} when they have the common form and by jOOQ's converter otherwise, with
   * the same result either way: whatever bounds, fractions, offsets and time zone the database writes them in.
   */
  @Test
  void rangesOfEveryShapeReadAsJooqReadsThem() {
    var jooq = new org.jooq.postgres.extensions.converters.OffsetDateTimeRangeConverter();
    for (String zone : List.of("UTC", "Asia/Kolkata", "America/St_Johns", "America/Sao_Paulo")) {
      for (String range : List.of("['2026-03-29 01:30:00+02','2026-03-29 02:30:00+02')",
          "('2026-10-25 00:59:59.5+00','2026-10-25 01:00:00.123456+00']", "['2026-01-01 00:00:00+00',)",
          "(,'2026-01-01 00:00:00+00')", "empty", "['-infinity','infinity')", "['0044-03-15 12:00:00+00',)",
          "['12026-01-01 00:00:00+00','12026-01-02 00:00:00+00')", "['0100-01-01 00:00:00+00 BC',)",
          "['1890-01-01 00:00:00+00','1890-01-02 00:00:00+00')")) {  // local mean time: offsets with seconds
        String literal = range.replace('\'', '"');
        String text = Wait.on(inZone(zone, Sql.DSL.select(field("{0}::tstzrange::text", String.class,
            DSL.inline(literal))))).value1();
        var read = Wait.on(inZone(zone, Sql.DSL.select(field("{0}::tstzrange", DURING.getDataType(),
            DSL.inline(literal))))).value1();
        assertEquals(jooq.from(text), read, zone + " " + text);
        boolean common = range.startsWith("['2026-03-29") || range.startsWith("('2026-10-25")
            || range.startsWith("['1890") && zone.equals("UTC");
        assertEquals(common, TimeRanges.parse(text) != null, "read without jOOQ's converter: " + text);
      }
    }
  }

  private static <R extends Record> Future<R> inZone(String zone, org.jooq.ResultQuery<R> query) {
    return db.transaction(tx -> tx.execute(Sql.DSL.query("set local time zone '" + zone + "'"))
        .compose(x -> tx.fetchOne(query)));
  }

  @Test
  void transactionCommitsOnSuccessAndRollsBackOnFailure() {
    var kept = UUID.randomUUID();
    var discarded = UUID.randomUUID();

    Wait.on(db.transaction(tx -> tx.update(Sql.DSL.insertInto(PROBE).columns(ID, NOTE).values(kept, "kept"))));
    Wait.failureOf(db.transaction(tx -> tx.update(Sql.DSL.insertInto(PROBE).columns(ID, NOTE).values(discarded, "x"))
        .compose(n -> Future.failedFuture(new IllegalStateException("business rule broken")))));

    var ids = Wait.on(db.fetch(Sql.DSL.select(ID).from(PROBE).where(ID.in(kept, discarded))));
    assertEquals(List.of(kept), ids.stream().map(r -> r.value1()).toList());
  }
}
