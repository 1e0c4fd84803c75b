package dev.bookwell.learning;

import static dev.bookwell.db.Tables.COURSE;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.CourseKind;
import dev.bookwell.db.enums.CourseLevel;
import dev.bookwell.db.enums.CourseStatus;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Cursor;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.OrderField;
import org.jooq.Record;
import org.jooq.Select;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * {@code GET /v1/courses}: published courses, by full-text search (title weighs more than summary, summary more
 * than description; stemmed in each course's language) and filters, sorted by relevance, newest or price, in keyset
 * pages. The text query is parsed by every supported language's stemming and matched as one tsquery (their OR),
 * served by the GIN index, so a query finds "Kurse" in German and "courses" in English courses alike.
 */
final class CourseSearch {

  /** The text search configurations of the languages {@code learning_regconfig} knows, and simple for the rest. */
  static final List<String> CONFIGS = List.of("english", "german", "french", "spanish", "italian", "dutch",
      "portuguese", "swedish", "simple");

  private final Db db;

  CourseSearch(Db db) {
    this.db = db;
  }

  Future<ApiReply> search(ApiRequest request) {
    JsonObject q = request.query();
    int limit = q.getInteger("limit", 20);
    String sort = sort(q);
    return db.fetch(query(q, limit)).map(rows -> ApiReply.ok(Page.of(rows, limit,
        CourseSearch::item,
        row -> new Cursor(switch (sort) {
          case "price" -> String.valueOf(row.get(COURSE.PRICE_MINOR));
          case "rating" -> row.get(COURSE.RATING_AVERAGE) == null ? "0" : row.get(COURSE.RATING_AVERAGE).toPlainString();
          case "relevance" -> String.valueOf(row.get("rank", Float.class));
          default -> row.get(COURSE.PUBLISHED_AT).toString();
        }, row.get(COURSE.ID).toString()))));
  }

  /** A course as a search result: without its description (up to 50 KB; the summary says what it is). */
  private static JsonObject item(Record row) {
    var json = CourseJson.of(row.into(COURSE), null);
    json.remove("description");
    return json;
  }

  private static String sort(JsonObject q) {
    return q.getString("sort", q.getString("q") == null ? "newest" : "relevance");
  }

  /** The search statement for the query parameters {@code q}: a page of {@code limit} (and one more). */
  static Select<Record> query(JsonObject q, int limit) {
    String text = q.getString("q");
    String sort = sort(q);
    Condition where = filters(q);
    Field<Float> rank = text == null ? DSL.inline(0f)
        : DSL.field("ts_rank({0}, " + anyLanguage() + ")", SQLDataType.REAL, COURSE.SEARCH, DSL.val(text));
    if (text != null) {
      where = where.and(matches(text));
    }
    Cursor cursor = q.getString("cursor") == null ? null : Cursor.decode(q.getString("cursor"));
    List<OrderField<?>> order = new ArrayList<>();
    switch (sort) {
      case "price" -> {
        order.add(COURSE.PRICE_MINOR.asc());
        order.add(COURSE.ID.asc());
        if (cursor != null) {
          where = where.and(DSL.row(COURSE.PRICE_MINOR, COURSE.ID)
              .gt(DSL.row(DSL.val((long) cursor.number()), DSL.val(cursor.uuid()))));
        }
      }
      case "rating" -> {
        // best rated first, unrated last
        // the index course_published_rating's expression, the zero inlined so that the planner matches it
        Field<java.math.BigDecimal> rating = DSL.coalesce(COURSE.RATING_AVERAGE,
            DSL.inline(java.math.BigDecimal.ZERO));
        order.add(rating.desc());
        order.add(COURSE.ID.asc());
        if (cursor != null) {
          where = where.and(rating.lt(cursor.decimal()).or(rating.eq(cursor.decimal())
              .and(COURSE.ID.gt(cursor.uuid()))));
        }
      }
      case "relevance" -> {
        order.add(rank.desc());
        order.add(COURSE.ID.asc());
        if (cursor != null) {
          float last = (float) cursor.number();
          where = where.and(rank.lt(last).or(rank.eq(last).and(COURSE.ID.gt(cursor.uuid()))));
        }
      }
      default -> {
        order.add(COURSE.PUBLISHED_AT.desc());
        order.add(COURSE.ID.desc());
        if (cursor != null) {
          where = where.and(DSL.row(COURSE.PUBLISHED_AT, COURSE.ID)
              .lt(DSL.row(DSL.val(cursor.time()), DSL.val(cursor.uuid()))));
        }
      }
    }
    return Sql.DSL.select(COURSE.asterisk(), rank.as("rank")).from(COURSE).where(where).orderBy(order)
        .limit(limit + 1);
  }

  /**
   * The text in any supported language's stemming: one tsquery, the OR ({@code ||}) of the text parsed by each
   * configuration, so one GIN index condition serves it.
   */
  static Condition matches(String text) {
    return DSL.condition("{0} @@ " + anyLanguage(), COURSE.SEARCH, DSL.val(text));
  }

  /** The text ({1}) parsed by every configuration, OR-ed into one tsquery; matching and ranking use the same. */
  private static String anyLanguage() {
    return CONFIGS.stream().map(config -> "websearch_to_tsquery('" + config + "'::regconfig, {1})")
        .collect(java.util.stream.Collectors.joining(" || ", "(", ")"));
  }

  private static Condition filters(JsonObject q) {
    Condition where = COURSE.STATUS.eq(CourseStatus.published);
    if (q.getString("organizationId") != null) {
      where = where.and(COURSE.ORGANIZATION_ID.eq(UUID.fromString(q.getString("organizationId"))));
    }
    if (q.getString("categoryId") != null) {
      where = where.and(COURSE.CATEGORY_ID.eq(UUID.fromString(q.getString("categoryId"))));
    }
    if (q.getString("tag") != null) {
      where = where.and(COURSE.TAGS.contains(new String[] {q.getString("tag").toLowerCase(java.util.Locale.ROOT)}));
    }
    if (q.getString("level") != null) {
      where = where.and(COURSE.LEVEL.eq(CourseLevel.lookupLiteral(q.getString("level"))));
    }
    if (q.getString("language") != null) {
      where = where.and(COURSE.LANGUAGE.eq(q.getString("language")));
    }
    if (q.getString("kind") != null) {
      where = where.and(COURSE.KIND.eq(CourseKind.lookupLiteral(q.getString("kind"))));
    }
    if (q.getValue("minRating") instanceof Number min) {
      where = where.and(COURSE.RATING_AVERAGE.ge(new java.math.BigDecimal(min.toString())));
    }
    if (q.getValue("minPrice") instanceof Number min) {
      where = where.and(COURSE.PRICE_MINOR.ge(min.longValue()));
    }
    if (q.getValue("maxPrice") instanceof Number max) {
      where = where.and(COURSE.PRICE_MINOR.le(max.longValue()));
    }
    if (Boolean.TRUE.equals(q.getBoolean("hasUpcomingSession"))) {
      // the one read of scheduling's slots, by its own rule of what is bookable
      where = where.and(DSL.exists(Sql.DSL.selectOne().from(SLOT).where(SLOT.SERVICE_ID.eq(COURSE.SERVICE_ID))
          .and(SLOT.STARTS_AT.gt(SqlTime.now())).and(SchedulingClient.slotBookable())));
    }
    return where;
  }

}
