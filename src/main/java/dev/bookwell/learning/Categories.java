package dev.bookwell.learning;

import static dev.bookwell.db.Tables.COURSE_CATEGORY;

import dev.bookwell.db.tables.records.CourseCategoryRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.PgErrors;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** The platform's course categories: a tree ordered among siblings, kept by platform admins, read by anyone. */
final class Categories {

  /** More than any catalogue needs; the listing stays one bounded answer. */
  static final int MAX = 1000;

  private final Db db;

  Categories(Db db) {
    this.db = db;
  }

  /** POST /v1/course-categories {name, slug, parentId?, position?} (platform admin) */
  Future<ApiReply> create(ApiRequest request) {
    Caller caller = request.requireCaller();
    if (!caller.isAdmin()) {
      throw Problem.forbidden("Only a platform admin keeps the categories.").toException();
    }
    JsonObject body = request.bodyObject();
    return db.fetchOne(Sql.DSL.insertInto(COURSE_CATEGORY)
            .set(COURSE_CATEGORY.NAME, body.getString("name"))
            .set(COURSE_CATEGORY.SLUG, body.getString("slug"))
            .set(COURSE_CATEGORY.PARENT_ID, body.getString("parentId") == null ? null
                : UUID.fromString(body.getString("parentId")))
            .set(COURSE_CATEGORY.POSITION, body.getInteger("position", 0))
            .returning())
        .map(category -> ApiReply.created(json(category), "/v1/course-categories"))
        .recover(e -> Future.failedFuture(PgErrors.is(e, PgErrors.UNIQUE)
            ? Problem.of("slug-taken", 409, "Slug taken", "Another category has this slug.").toException()
            : PgErrors.is(e, PgErrors.FOREIGN_KEY) ? Problem.invalid("body", "parentId", "is not a category")
                .toException() : e));
  }

  /** GET /v1/course-categories: every category, parents before children, ordered among siblings. */
  Future<ApiReply> list(ApiRequest request) {
    return db.fetch(Sql.DSL.selectFrom(COURSE_CATEGORY)
            .orderBy(COURSE_CATEGORY.PARENT_ID.nullsFirst(), COURSE_CATEGORY.POSITION, COURSE_CATEGORY.NAME)
            .limit(MAX))
        .map(rows -> ApiReply.ok(new JsonObject().put("items", new JsonArray(rows.stream().map(Categories::json)
            .toList()))));
  }

  private static JsonObject json(CourseCategoryRecord c) {
    return new JsonObject().put("id", c.getId().toString()).put("name", c.getName()).put("slug", c.getSlug())
        .put("parentId", c.getParentId() == null ? null : c.getParentId().toString())
        .put("position", c.getPosition());
  }
}
