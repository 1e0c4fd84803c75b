package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.EMAIL_MESSAGE;
import static dev.bookwell.db.Tables.NOTIFICATION_EVENT;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;

import dev.bookwell.booking.BookingClient;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.db.tables.records.OutboxEventRecord;
import io.vertx.core.eventbus.ReplyException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.jooq.JSONB;

/**
 * Turns an event into the messages it calls for, once: the event's id is recorded in the same transaction as the
 * queued messages, so a redelivered event (delivery is at-least-once) finds its row and queues nothing.
 * The recipient is asked of the owning area first, outside the transaction (no connection waits on the bus).
 */
final class Intake {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Intake.class);

  static final String CONSUMER = "email";
  /** Events older than this are not looked at again (an owning area down for a day loses its messages). */
  private static final Duration WINDOW = Duration.ofDays(1);
  private static final int BATCH = 100;

  private final Db db;
  private final EventBus bus;

  Intake(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /**
   * One round: the events of the handled types from the last day that this consumer has not handled, oldest first,
   * one at a time (bounded work). Reading the outbox, not only listening on the bus, makes delivery at-least-once
   * for real: an event whose handling failed (an area down, the pool full) is simply found again next round. One
   * the owning area answers 404 for (a reset already used, a booking purged) is recorded as handled, with nothing
   * to send. Several instances may run rounds: the dedupe row decides, so nothing is queued twice.
   */
  Future<Integer> round() {
    return db.fetch(Sql.DSL.selectFrom(OUTBOX_EVENT)
            .where(OUTBOX_EVENT.TYPE.in(HANDLERS.keySet()))
            .and(OUTBOX_EVENT.OCCURRED_AT.gt(SqlTime.nowPlus(WINDOW.negated())))
            .andNotExists(Sql.DSL.selectOne().from(NOTIFICATION_EVENT)
                .where(NOTIFICATION_EVENT.CONSUMER.eq(CONSUMER)).and(NOTIFICATION_EVENT.EVENT_ID.eq(OUTBOX_EVENT.ID)))
            .orderBy(OUTBOX_EVENT.SEQ).limit(BATCH))
        .compose(events -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (var event : events) {
            chain = chain.compose(done -> handle(json(event)).map(queued -> done + 1).otherwise(e -> {
              LOG.warn("handling {} {} failed; retried next round: {}", event.getType(), event.getId(),
                  e.getMessage());
              return done;
            }));
          }
          return chain;
        });
  }

  private Future<Boolean> handle(JsonObject event) {
    return HANDLERS.get(event.getString("type")).apply(this, event)
        .recover(e -> e instanceof ReplyException reply && reply.failureCode() == 404
            ? once(UUID.fromString(event.getString("id")), tx -> Future.succeededFuture(false))
            : Future.failedFuture(e));
  }

  private static JsonObject json(OutboxEventRecord event) {
    return new JsonObject().put("id", event.getId().toString()).put("type", event.getType())
        .put("payload", new JsonObject(event.getPayload().data()));
  }

  /** {@code identity.password_reset_requested}: the reset link, to the account's address. */
  Future<Boolean> passwordReset(JsonObject event) {
    UUID resetId = UUID.fromString(event.getJsonObject("payload").getString("resetId"));
    return IdentityClient.deliveryToken(bus, Templates.PASSWORD_RESET, resetId)
        .compose(delivery -> queue(event, Templates.PASSWORD_RESET, delivery.getString("email"),
            new JsonObject().put("id", resetId.toString())));
  }

  /** {@code identity.invitation_created}: the accept link, to the invited address. */
  Future<Boolean> invitation(JsonObject event) {
    UUID invitationId = UUID.fromString(event.getJsonObject("payload").getString("invitationId"));
    return IdentityClient.deliveryToken(bus, Templates.INVITATION, invitationId)
        .compose(delivery -> queue(event, Templates.INVITATION, delivery.getString("email"),
            new JsonObject().put("id", invitationId.toString())));
  }

  /**
   * {@code booking.<status>}: the booker hears of their booking (a user at their account's address and in their
   * time zone; a guest at the address they gave, in UTC).
   */
  Future<Boolean> booking(JsonObject event) {
    JsonObject payload = event.getJsonObject("payload");
    String template = Templates.booking(event.getString("type"));
    UUID bookingId = UUID.fromString(payload.getString("bookingId"));
    String status = payload.getString("status");
    UUID eventId = UUID.fromString(event.getString("id"));
    if (payload.getString("replacedBy") != null) {  // moved, not ended: the "rescheduled" message says it all
      return once(eventId, tx -> Reminders.drop(tx, bookingId).map(false));
    }
    Future<JsonObject> recipient = payload.getString("userId") != null
        ? IdentityClient.contact(bus, UUID.fromString(payload.getString("userId")))
        : BookingClient.delivery(bus, bookingId).map(delivery -> delivery.getJsonObject("guest", new JsonObject())
            .copy().put("timezone", "UTC"));
    return recipient.compose(to -> to.getString("email") == null ? Future.succeededFuture(false)
        : queue(event, template, to.getString("email"), new JsonObject().put("id", bookingId.toString())
            .put("timezone", to.getString("timezone", "UTC")), tx -> reminders(tx, payload, to)
            .compose(x -> payload.getString("userId") == null ? Future.succeededFuture()
                : Inbox.add(tx, UUID.fromString(payload.getString("userId")), eventId, "booking",
                    Templates.title(status), payload.getString("reference") + ", "
                        + Templates.when(payload.getString("startsAt"), to.getString("timezone", "UTC")),
                    "/v1/bookings/" + bookingId))));
  }

  /** A confirmed booking gets its reminders; one that ended loses them. */
  private static Future<Void> reminders(Sql tx, JsonObject payload, JsonObject to) {
    UUID bookingId = UUID.fromString(payload.getString("bookingId"));
    String status = payload.getString("status");
    return "confirmed".equals(status)
        ? Reminders.schedule(tx, bookingId, UUID.fromString(payload.getString("organizationId")),
            java.time.OffsetDateTime.parse(payload.getString("startsAt")), to.getString("email"),
            to.getString("timezone", "UTC"))
        : ENDED.contains(status) ? Reminders.drop(tx, bookingId) : Future.succeededFuture();
  }

  /** What each handled event type turns into. */
  private static final Map<String, BiFunction<Intake, JsonObject, Future<Boolean>>> HANDLERS = handlers();

  private static Map<String, BiFunction<Intake, JsonObject, Future<Boolean>>> handlers() {
    var handlers = new HashMap<String, BiFunction<Intake, JsonObject, Future<Boolean>>>();
    handlers.put("identity.password_reset_requested", Intake::passwordReset);
    handlers.put("identity.invitation_created", Intake::invitation);
    Templates.BOOKING_EVENTS.forEach(status -> handlers.put("booking." + status, Intake::booking));
    return Map.copyOf(handlers);
  }

  /** A booking in one of these never needs reminding. */
  private static final java.util.Set<String> ENDED = java.util.Set.of("cancelled", "declined", "expired", "no_show",
      "completed");

  /** Queues one message for the event unless the event was handled before; true when it was queued now. */
  private Future<Boolean> queue(JsonObject event, String template, String recipient, JsonObject params) {
    return queue(event, template, recipient, params, tx -> Future.succeededFuture());
  }

  /** As above, and {@code also} in the same transaction when the event is new (e.g. scheduling reminders). */
  private Future<Boolean> queue(JsonObject event, String template, String recipient, JsonObject params,
                                java.util.function.Function<Sql, Future<Void>> also) {
    UUID eventId = UUID.fromString(event.getString("id"));
    return once(eventId, tx -> tx.update(Sql.DSL.insertInto(EMAIL_MESSAGE)
            .set(EMAIL_MESSAGE.EVENT_ID, eventId)
            .set(EMAIL_MESSAGE.TEMPLATE, template)
            .set(EMAIL_MESSAGE.PARAMS, JSONB.valueOf(params.encode()))
            .set(EMAIL_MESSAGE.RECIPIENT, recipient))
        .compose(x -> also.apply(tx))
        .map(true));
  }

  /** Runs {@code work} in the transaction that records the event as handled, unless it was handled before. */
  private Future<Boolean> once(UUID eventId, java.util.function.Function<Sql, Future<Boolean>> work) {
    return db.transaction(tx -> tx.update(Sql.DSL.insertInto(NOTIFICATION_EVENT)
            .set(NOTIFICATION_EVENT.CONSUMER, CONSUMER).set(NOTIFICATION_EVENT.EVENT_ID, eventId)
            .onConflictDoNothing())
        .compose(fresh -> fresh == 0 ? Future.succeededFuture(false) : work.apply(tx)));
  }
}
