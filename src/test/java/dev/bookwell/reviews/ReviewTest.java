package dev.bookwell.reviews;

import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.RATING_SUMMARY;
import static dev.bookwell.db.Tables.REVIEW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reviews over HTTP: who may write, edit, reply and hide, and aggregates that stay right under racing writers. */
class ReviewTest {

  static TestApp app;
  static final java.util.concurrent.atomic.AtomicInteger SLOTS = new java.util.concurrent.atomic.AtomicInteger();
  static World world;

  @BeforeAll
  static void start() {
    app = TestApp.start(dev.bookwell.Bookwell.CONTRACT, java.util.Map.of("BOOKWELL_MAIL_POLL_INTERVAL", "200ms"));
    world = new World(app, "UTC");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  /** {@code clients} users, each with a completed one-seat booking of one group session of the world's provider. */
  private static List<Booked> completedBookings(int clients) {
    String service = world.service(new JsonObject().put("priceMinor", 0).put("seatsPerSlot", clients));
    String slot = world.session(service, world.providerId, World.at(2).plusHours(SLOTS.getAndAdd(3)), clients);
    var booked = new ArrayList<Booked>();
    for (int i = 0; i < clients; i++) {
      String token = world.userToken();
      var hold = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot).put("seats", 1), token);
      assertEquals(201, hold.statusCode(), hold.bodyAsString());
      String id = hold.bodyAsJsonObject().getString("id");
      World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + id + "/complete", null, world.owner));
      booked.add(new Booked(token, id));
    }
    return booked;
  }

  record Booked(String token, String bookingId) {
  }

  private static JsonObject review(String bookingId, int stars, boolean recommend) {
    return new JsonObject().put("bookingId", bookingId).put("stars", stars).put("body", "Kind and on time")
        .put("wouldRecommend", recommend);
  }

  @Test
  void racingReviewsEditsAndHidingKeepTheAggregateExact() {
    var booked = completedBookings(16);
    // everyone reviews at once
    var writes = new ArrayList<Future<HttpResponse<Buffer>>>();
    for (int i = 0; i < booked.size(); i++) {
      writes.add(app.callAsync(HttpMethod.POST, "/v1/reviews", review(booked.get(i).bookingId(), 1 + i % 5, i % 2 == 0),
          booked.get(i).token()));
    }
    Wait.on(Future.join(writes));
    var ids = new ArrayList<String>();
    for (var write : writes) {
      assertEquals(201, write.result().statusCode(), write.result().bodyAsString());
      ids.add(write.result().bodyAsJsonObject().getString("id"));
    }
    // then everyone changes their stars while the organization's owner hides four of them, all at once
    var changes = new ArrayList<Future<HttpResponse<Buffer>>>();
    for (int i = 0; i < ids.size(); i++) {
      changes.add(app.callAsync(HttpMethod.PATCH, "/v1/reviews/" + ids.get(i), new JsonObject().put("stars", 5 - i % 5)
          .put("wouldRecommend", i % 3 == 0), booked.get(i).token()));
      if (i % 4 == 0) {
        changes.add(app.callAsync(HttpMethod.POST, "/v1/reviews/" + ids.get(i) + "/hide",
            new JsonObject().put("reason", "Names another patient"), world.owner));
      }
    }
    Wait.on(Future.join(changes));
    changes.forEach(change -> assertEquals(200, change.result().statusCode(), change.result().bodyAsString()));

    // the aggregate row is exactly the aggregate of the visible rows
    UUID provider = UUID.fromString(world.providerId);
    var visible = Wait.on(app.db.fetchOne(Sql.DSL.select(DSL.count(), DSL.sum(REVIEW.STARS),
            DSL.count().filterWhere(REVIEW.WOULD_RECOMMEND), DSL.count().filterWhere(REVIEW.STARS.eq(5)))
        .from(REVIEW).where(REVIEW.SUBJECT_ID.eq(provider)).and(REVIEW.HIDDEN_AT.isNull())));
    var summary = Wait.on(app.db.fetchOne(Sql.DSL.selectFrom(RATING_SUMMARY).where(RATING_SUMMARY.SUBJECT_ID.eq(provider))));
    assertEquals(12, visible.value1());
    assertEquals(visible.value1(), summary.getReviews());
    assertEquals(visible.value2().longValue(), summary.getStarSum());
    assertEquals(visible.value3(), summary.getRecommended());
    assertEquals(visible.value4(), summary.getStars_5());

    // the public list and the provider listing say the same, the listing once the copy has caught up
    var listed = World.ok(app.call(HttpMethod.GET, "/v1/providers/" + world.providerId + "/reviews?limit=100", null, null));
    assertEquals(12, listed.getJsonArray("items").size());
    assertEquals(12, listed.getJsonObject("summary").getInteger("count"));
    double average = summary.getStarSum() / 12.0;
    assertEquals(Math.round(average * 100) / 100.0, listed.getJsonObject("summary").getDouble("average"), 0.001);
    // the copy's last revision, not its count: a lagging copy passes through 12 on the way up (the writes) too
    Eventually.until("the provider row carries the rating", () -> Wait.on(app.db.fetchOne(Sql.DSL
        .select(PROVIDER.RATING_REVISION).from(PROVIDER).where(PROVIDER.ID.eq(provider)))).value1()
        .equals(summary.getRevision()));
    assertEquals(12, Wait.on(app.db.fetchOne(Sql.DSL.select(PROVIDER.RATING_COUNT).from(PROVIDER)
        .where(PROVIDER.ID.eq(provider)))).value1());
    var providers = World.ok(app.call(HttpMethod.GET, "/v1/providers?sort=rating&minRating=1&organizationId="
        + world.organizationId, null, null));
    var mine = providers.getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(p -> p.getString("id").equals(world.providerId)).findFirst().orElseThrow();
    assertEquals(12, mine.getJsonObject("rating").getInteger("count"));
    // pages by rating: the cursor carries the rating; a tampered one is 400, not 500
    world.newActiveProvider(world.userToken(), "UTC", List.of("dermatology"), List.of("en"));  // unrated, last
    var firstPage = World.ok(app.call(HttpMethod.GET, "/v1/providers?sort=rating&limit=1", null, null));
    assertEquals(world.providerId, firstPage.getJsonArray("items").getJsonObject(0).getString("id"));
    String cursor = firstPage.getString("nextCursor");
    World.ok(app.call(HttpMethod.GET, "/v1/providers?sort=rating&limit=1&cursor=" + cursor, null, null));
    String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString((UUID.randomUUID() + "\n1e999999")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(400, app.call(HttpMethod.GET, "/v1/providers?sort=rating&cursor=" + forged, null, null).statusCode());
    assertEquals(400, app.call(HttpMethod.GET, "/v1/courses?sort=rating&cursor=" + forged, null, null).statusCode());
    assertEquals(0, World.ok(app.call(HttpMethod.GET, "/v1/providers?minRating=5.0&organizationId="
        + world.organizationId, null, null)).getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(p -> p.getString("id").equals(world.providerId)).count(), "below 5 stars on average");
  }

  @Test
  void onlyTheClientReviewsACompletedBookingOnceAndEditsWithinTheWindow() {
    var booked = completedBookings(2);
    var first = booked.get(0);
    String stranger = world.userToken();
    assertEquals(404, app.call(HttpMethod.POST, "/v1/reviews", review(first.bookingId(), 5, true), stranger)
        .statusCode(), "someone else's booking");
    assertEquals(400, app.call(HttpMethod.POST, "/v1/reviews", review(first.bookingId(), 6, true), first.token())
        .statusCode());
    assertEquals(400, app.call(HttpMethod.POST, "/v1/reviews", new JsonObject().put("stars", 4)
        .put("wouldRecommend", true), first.token()).statusCode(), "neither a booking nor an enrollment");
    String id = World.created(app.call(HttpMethod.POST, "/v1/reviews", review(first.bookingId(), 4, true),
        first.token()));
    assertEquals(409, app.call(HttpMethod.POST, "/v1/reviews", review(first.bookingId(), 1, false), first.token())
        .statusCode(), "one review per booking");
    assertEquals(404, app.call(HttpMethod.PATCH, "/v1/reviews/" + id, new JsonObject().put("stars", 1), stranger)
        .statusCode(), "only the author edits");

    // a booking not completed yet cannot be reviewed
    String service = world.service(new JsonObject().put("priceMinor", 0));
    String slot = world.session(service, world.providerId, World.at(40), 1);
    String open = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot).put("seats", 1),
        first.token()).bodyAsJsonObject().getString("id");
    assertEquals(409, app.call(HttpMethod.POST, "/v1/reviews", review(open, 5, true), first.token()).statusCode());

    // after the 14 days the review stands as written
    Wait.on(app.db.update(Sql.DSL.update(REVIEW).set(REVIEW.EDITABLE_UNTIL, java.time.OffsetDateTime.now().minusDays(1))
        .where(REVIEW.ID.eq(UUID.fromString(id)))));
    var late = app.call(HttpMethod.PATCH, "/v1/reviews/" + id, new JsonObject().put("stars", 1), first.token());
    assertEquals(409, late.statusCode());
    assertEquals("https://bookwell.dev/problems/edit-window-closed", late.bodyAsJsonObject().getString("type"));
  }

  @Test
  void theProviderRepliesOnceAndAStrangerOrganizationCanNeitherReplyNorHide() {
    var booked = completedBookings(1).get(0);
    String id = World.created(app.call(HttpMethod.POST, "/v1/reviews", review(booked.bookingId(), 2, false),
        booked.token()));
    // an attacker: a fresh account with an organization of its own
    String attacker = world.userToken();
    World.created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject().put("kind", "clinic")
        .put("name", "Rival").put("timezone", "UTC").put("currency", "EUR"), attacker));
    assertEquals(403, app.call(HttpMethod.POST, "/v1/reviews/" + id + "/reply", new JsonObject().put("text", "Lies"),
        attacker).statusCode());
    assertEquals(403, app.call(HttpMethod.POST, "/v1/reviews/" + id + "/hide", new JsonObject().put("reason", "x"),
        attacker).statusCode());
    assertEquals(403, app.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/reviews", null,
        attacker).statusCode());
    assertEquals(403, app.call(HttpMethod.POST, "/v1/reviews/" + id + "/hide", new JsonObject().put("reason", "x"),
        world.providerToken).statusCode(), "the provider replies but does not hide");
    var victim = Wait.on(app.db.fetchOne(Sql.DSL.selectFrom(REVIEW).where(REVIEW.ID.eq(UUID.fromString(id)))));
    assertNull(victim.getReply());
    assertNull(victim.getHiddenAt());

    var replied = World.ok(app.call(HttpMethod.POST, "/v1/reviews/" + id + "/reply",
        new JsonObject().put("text", "Sorry for the wait; we changed the schedule."), world.providerToken));
    assertEquals("Sorry for the wait; we changed the schedule.", replied.getJsonObject("reply").getString("text"));
    assertEquals(409, app.call(HttpMethod.POST, "/v1/reviews/" + id + "/reply", new JsonObject().put("text", "Again"),
        world.owner).statusCode(), "one reply");

    // hidden by the platform admin: gone from the public list, kept with its reason for the organization
    World.ok(app.call(HttpMethod.POST, "/v1/reviews/" + id + "/hide", new JsonObject().put("reason", "Abusive"),
        world.admin));
    var pub = World.ok(app.call(HttpMethod.GET, "/v1/providers/" + world.providerId + "/reviews?limit=100", null, null));
    assertTrue(pub.getJsonArray("items").stream().map(JsonObject.class::cast).noneMatch(r -> r.getString("id")
        .equals(id)));
    var staff = World.ok(app.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId
        + "/reviews?hidden=true&limit=100", null, world.owner));
    var hidden = staff.getJsonArray("items").stream().map(JsonObject.class::cast).filter(r -> r.getString("id")
        .equals(id)).findFirst().orElseThrow();
    assertEquals("Abusive", hidden.getString("hiddenReason"));
    assertEquals("https://bookwell.dev/problems/already-hidden", app.call(HttpMethod.POST, "/v1/reviews/" + id
        + "/hide", new JsonObject().put("reason", "again"), world.owner).bodyAsJsonObject().getString("type"));
  }

  @Test
  void aCompletedCourseIsReviewedAndItsRatingSortsTheCatalogue() {
    String course = World.created(app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/courses",
        new JsonObject().put("title", "Wound care").put("kind", "self_paced").put("slug", "c-" + UUID.randomUUID()),
        world.owner));
    String section = World.created(app.call(HttpMethod.POST, "/v1/courses/" + course + "/sections",
        new JsonObject().put("title", "Part"), world.owner));
    String lesson = World.created(app.call(HttpMethod.POST, "/v1/courses/" + course + "/sections/" + section
        + "/lessons", new JsonObject().put("title", "Read").put("kind", "text"), world.owner));
    World.ok(app.call(HttpMethod.POST, "/v1/courses/" + course + "/publish", null, world.owner));
    String learner = world.userToken();
    String enrollment = World.created(app.call(HttpMethod.POST, "/v1/courses/" + course + "/enrollments", null,
        learner));
    var early = app.call(HttpMethod.POST, "/v1/reviews", new JsonObject().put("enrollmentId", enrollment)
        .put("stars", 5).put("wouldRecommend", true), learner);
    assertEquals(409, early.statusCode(), "not completed yet");
    World.ok(app.call(HttpMethod.POST, "/v1/enrollments/" + enrollment + "/lessons/" + lesson + "/progress",
        new JsonObject().put("seq", 1).put("completed", true), learner));
    Eventually.until("completed", () -> "completed".equals(World.ok(app.call(HttpMethod.GET, "/v1/enrollments/"
        + enrollment, null, learner)).getString("status")));
    var written = app.call(HttpMethod.POST, "/v1/reviews", new JsonObject().put("enrollmentId", enrollment)
        .put("stars", 5).put("body", "Clear and practical").put("wouldRecommend", true), learner);
    assertEquals(201, written.statusCode(), written.bodyAsString());
    assertEquals("course", written.bodyAsJsonObject().getString("subjectKind"));
    var reviews = World.ok(app.call(HttpMethod.GET, "/v1/courses/" + course + "/reviews", null, null));
    assertEquals(1, reviews.getJsonObject("summary").getInteger("count"));
    Eventually.until("the catalogue sorts by it", () -> {
      var first = World.ok(app.call(HttpMethod.GET, "/v1/courses?sort=rating&minRating=4.5&organizationId="
          + world.organizationId, null, null)).getJsonArray("items");
      return !first.isEmpty() && first.getJsonObject(0).getString("id").equals(course)
          && first.getJsonObject(0).getJsonObject("rating").getDouble("average") == 5.0;
    });
  }
}
