package dev.bookwell.reviews;

import dev.bookwell.db.tables.records.ReviewRecord;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;

/** A review as the API shows it: to the public without who hid what; to its author and staff with moderation. */
final class ReviewJson {

  private ReviewJson() {
  }

  static JsonObject of(ReviewRecord r, boolean withModeration) {
    var json = new JsonObject().put("id", r.getId().toString()).put("subjectKind", r.getSubjectKind().getLiteral())
        .put("subjectId", r.getSubjectId().toString()).put("organizationId", r.getOrganizationId().toString())
        .put("author", r.getAuthorName()).put("stars", r.getStars()).put("body", r.getBody())
        .put("wouldRecommend", r.getWouldRecommend()).put("createdAt", time(r.getCreatedAt()))
        .put("updatedAt", time(r.getUpdatedAt())).put("editableUntil", time(r.getEditableUntil()))
        .put("reply", r.getReply() == null ? null : new JsonObject().put("text", r.getReply())
            .put("at", time(r.getRepliedAt())));
    if (withModeration) {
      json.put("hidden", r.getHiddenAt() != null).put("hiddenReason", r.getHiddenReason())
          .put("hiddenAt", time(r.getHiddenAt()));
    }
    return json;
  }

  private static String time(OffsetDateTime at) {
    return at == null ? null : at.toInstant().toString();
  }
}
