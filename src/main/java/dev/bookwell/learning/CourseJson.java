package dev.bookwell.learning;

import static dev.bookwell.db.Tables.COURSE_PROVIDER;
import static dev.bookwell.db.Tables.COURSE_SECTION;
import static dev.bookwell.db.Tables.LESSON;

import dev.bookwell.db.tables.records.CourseRecord;
import dev.bookwell.db.tables.records.LessonRecord;
import dev.bookwell.platform.api.Money;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import dev.bookwell.reviews.ReviewsClient;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** The course as clients see it, and its outline (sections and lessons in order; no lesson content). */
final class CourseJson {

  private CourseJson() {
  }

  static JsonObject of(CourseRecord c, List<UUID> providers) {
    var json = new JsonObject()
        .put("id", c.getId().toString())
        .put("organizationId", c.getOrganizationId().toString())
        .put("slug", c.getSlug())
        .put("title", c.getTitle())
        .put("rating", ReviewsClient.json(c.getRatingAverage(), c.getRatingCount()))
        .put("summary", c.getSummary())
        .put("description", c.getDescription())
        .put("level", c.getLevel().getLiteral())
        .put("language", c.getLanguage())
        .put("durationMinutes", c.getDurationMinutes())
        .put("price", Money.json(c.getPriceMinor(), c.getCurrency()))
        .put("coverUrl", c.getCoverUrl())
        .put("status", c.getStatus().getLiteral())
        .put("kind", c.getKind().getLiteral())
        .put("serviceId", c.getServiceId() == null ? null : c.getServiceId().toString())
        .put("categoryId", c.getCategoryId() == null ? null : c.getCategoryId().toString())
        .put("tags", new JsonArray(Arrays.asList(c.getTags())))
        .put("validityYears", c.getValidityYears())
        .put("accessDays", c.getAccessDays())
        .put("createdAt", c.getCreatedAt().toInstant().toString())
        .put("publishedAt", c.getPublishedAt() == null ? null : c.getPublishedAt().toInstant().toString());
    if (providers != null) {
      json.put("providerIds", new JsonArray(providers.stream().map(UUID::toString).toList()));
    }
    return json;
  }

  /** The course with its providers and its outline, read in {@code sql}. */
  static Future<JsonObject> outline(Sql sql, CourseRecord course) {
    return sql.fetch(Sql.DSL.select(COURSE_PROVIDER.PROVIDER_ID).from(COURSE_PROVIDER)
            .where(COURSE_PROVIDER.COURSE_ID.eq(course.getId())).orderBy(COURSE_PROVIDER.PROVIDER_ID))
        .compose(providers -> sql.fetch(Sql.DSL.selectFrom(COURSE_SECTION)
                .where(COURSE_SECTION.COURSE_ID.eq(course.getId())).orderBy(COURSE_SECTION.POSITION))
            .compose(sections -> sql.fetch(Sql.DSL.selectFrom(LESSON).where(LESSON.COURSE_ID.eq(course.getId()))
                    .orderBy(LESSON.POSITION))
                .map(lessons -> {
                  var bySection = lessons.stream().collect(java.util.stream.Collectors.groupingBy(
                      LessonRecord::getSectionId, java.util.stream.Collectors.mapping(CourseJson::lessonOutline,
                          java.util.stream.Collectors.toList())));
                  return of(course, providers.stream().map(r -> r.value1()).toList())
                      .put("sections", new JsonArray(sections.stream().map(section -> new JsonObject()
                          .put("id", section.getId().toString()).put("title", section.getTitle())
                          .put("position", section.getPosition())
                          .put("lessons", new JsonArray(bySection.getOrDefault(section.getId(), List.of()))))
                          .toList()));
                })));
  }

  static JsonObject lessonOutline(LessonRecord l) {
    return new JsonObject().put("id", l.getId().toString()).put("title", l.getTitle())
        .put("kind", l.getKind().getLiteral()).put("position", l.getPosition()).put("required", l.getRequired())
        .put("preview", l.getPreview());
  }
}
