package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.ProviderStatus;
import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.EmailAddresses;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Idempotency;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.RateLimits;
import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Locks;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.postgres.extensions.types.OffsetDateTimeRange;

/**
 * POST /v1/bookings: one transaction takes free seats with FOR UPDATE SKIP LOCKED (a seat whose hold expired
 * counts as free), creates the booking and writes its event; commonly in two statements, the slot's facts and one
 * that does the rest ({@link Seats#takingFree}). No hold waits for another's seats; only holds of the same person
 * on one slot wait for each other ({@link HoldGuards}). Fewer seats than asked is a clean 409. A one-to-one booking
 * is also covered by the provider no-overlap constraint.
 */
final class Holds {

  /** The slot and service facts a hold needs, judged by the database clock. */
  record SlotFacts(UUID slotId, SlotStatus slotStatus, UUID organizationId, UUID providerId, UUID serviceId,
                   OffsetDateTime startsAt, OffsetDateTime endsAt, OffsetDateTimeRange occupied, long priceMinor, String currency, int seatsPerSlot,
                   boolean requiresConfirmation, boolean guestsAllowed, int fullRefundHours,
                   int lateRefundPercent, ProviderStatus providerStatus,
                   boolean noticeOk, boolean horizonOk, boolean providerWorksThere, int capacity,
                   boolean staleOverlaps, boolean anySeat) {

    /** Puts a booking in this slot: its slot, provider, time and whether it is one-to-one (a hold, a reschedule). */
    void place(BookingRecord row) {
      row.setSlotId(slotId);
      row.setProviderId(providerId);
      row.setOneToOne(seatsPerSlot == 1);
      row.setStartsAt(startsAt);
      row.setEndsAt(endsAt);
      row.setDuring(occupied);
    }
  }

  /** The most one card payment can be (Stripe's limit for most currencies), in minor units. */
  static final long MAX_AMOUNT = 99_999_999L;

  private final Db db;
  private final Duration holdTtl;
  private final PaymentRequests payments;
  private final Config.Limits limits;
  private final byte[] tokenKey;
  /** The one-statement hold ({@link Seats#takingFree}), rendered once for each guard and for held or not. */
  private final Map<String, Prepared<Record>> takingFree = new ConcurrentHashMap<>();

  Holds(Db db, Duration holdTtl, PaymentRequests payments, Config.Limits limits, byte[] tokenKey) {
    this.db = db;
    this.holdTtl = holdTtl;
    this.payments = payments;
    this.limits = limits;
    this.tokenKey = tokenKey;
  }

  /**
   * A guest's capability for one booking, derived from its id: it is never stored (only its digest) and never in
   * the idempotency table, yet a replayed request gets it again.
   */
  static String guestToken(byte[] tokenKey, UUID bookingId) {
    return SecretTokens.derive(tokenKey, "booking", bookingId);
  }

  Future<ApiReply> hold(ApiRequest request) {
    Caller caller = request.callerOrNull();
    JsonObject body = request.bodyObject();
    JsonObject guest = body.getJsonObject("guest");
    if (caller == null && guest == null) {
      throw Problem.of("identification-required", 401, "Sign in or book as a guest",
          "Send an access token, or a guest {name, email} if the service allows guests.").toException();
    }
    if (caller == null) {
      EmailAddresses.require(guest.getString("email"), "guest.email");  // mail goes to it
    }
    String scope = caller != null ? "user:" + caller.userId() : "guest:" + HoldGuards.email(guest);
    Future<Void> allowed = caller != null ? Future.succeededFuture() : RateLimits.hit(db, "guest-hold",
        request.headers().getString("client-address"), limits.guestHoldsPerMinute(),
        "guest bookings from this address");
    return allowed
        .compose(x -> Idempotency.once(db, scope, request.headers().getString("idempotency-key"), body,
            tx -> take(tx, caller, body)))
        .map(this::withGuestToken)
        .compose(payments::attach);
  }

  private ApiReply withGuestToken(ApiReply reply) {
    var booking = (JsonObject) reply.body();
    if (booking.containsKey("guest")) {
      booking.put("accessToken", guestToken(tokenKey, UUID.fromString(booking.getString("id"))));
    }
    return reply;
  }

  private Future<ApiReply> take(Sql tx, Caller caller, JsonObject body) {
    UUID slotId = UUID.fromString(body.getString("slotId"));
    int seats = body.getInteger("seats", 1);
    JsonObject guest = caller == null ? body.getJsonObject("guest") : null;
    HoldGuards.Guard guard = HoldGuards.of(caller, body);
    return facts(tx, slotId, HoldGuards.lock(guard, slotId, caller, body))
        .compose(slot -> {
          check(slot, guest != null);
          subtotal(slot, seats);
          return slot.seatsPerSlot() == 1 ? expireStaleOverlaps(tx, slot).map(slot) : Future.succeededFuture(slot);
        })
        .compose(slot -> book(tx, slot, guard, caller, body, seats))
        .map(booking -> ApiReply.created(BookingJson.of(booking), "/v1/bookings/" + booking.getId()));
  }

  /**
   * A slot sold out when its facts were read: only the guard's say, then 409. Otherwise, without a promo code, one
   * statement takes free seats and writes the booking and its event ({@link Seats#takingFree}) if the guard lets
   * it. With a promo code, or when that statement wrote nothing, the steps one by one: the guard, which says why it
   * refuses, then {@link Seats#take} (seats of expired holds too, the promo code's row after the seats).
   */
  private Future<BookingRecord> book(Sql tx, SlotFacts slot, HoldGuards.Guard guard, Caller caller,
                                     JsonObject body, int seats) {
    if (!slot.anySeat()) {
      // sold out when the facts were read: the guard still says first why it would refuse (as the steps do), and
      // nothing else is asked, so the rush after a sell-out costs two statements a request, not five
      return HoldGuards.check(tx, guard, slot.slotId(), caller, body, seats, limits.guestSeatsPerSlot())
          .compose(x -> Future.failedFuture(Seats.notEnough(seats)));
    }
    if (body.getString("promoCode") != null) {
      return bookStepwise(tx, slot, guard, caller, body, seats);
    }
    NewBooking fresh = newBooking(slot, caller, body, seats, null);
    BookingRecord row = fresh.row(References.next());
    var statement = takingFree.computeIfAbsent(guard + "/" + (fresh.holdFor() != null), key ->
        Seats.takingFree(guard.condition, fresh.params(row), BookingEvents::emitWhen));
    // the parameters' names keep apart: new_ (the row), booker and guest_cap (the guard), event_
    var values = fresh.values(row);
    values.put("slot", slot.slotId());
    values.put("count", seats);
    values.putAll(HoldGuards.values(caller, body, limits.guestSeatsPerSlot()));
    values.putAll(BookingEvents.emitValues(fresh.status().getLiteral(), row, actor(caller)));
    return Seats.takeFree(tx, statement, values)
        .compose(taken -> taken.isPresent() ? Future.succeededFuture(taken.get())
            : bookStepwise(tx, slot, guard, caller, body, seats));
  }

  private Future<BookingRecord> bookStepwise(Sql tx, SlotFacts slot, HoldGuards.Guard guard, Caller caller,
                                             JsonObject body, int seats) {
    return HoldGuards.check(tx, guard, slot.slotId(), caller, body, seats, limits.guestSeatsPerSlot())
        .compose(x -> Seats.take(tx, slot.slotId(), seats, () -> create(tx, slot, caller, body, seats)))
        .map(taken -> taken.orElseThrow(() -> Seats.notEnough(seats)))
        .compose(booking -> BookingEvents.emit(tx, booking.getStatus().getLiteral(), booking, actor(caller))
            .map(booking));
  }

  /** The price of {@code seats} seats; more than one payment can be is 422. */
  private static long subtotal(SlotFacts slot, int seats) {
    long subtotal = Math.multiplyExact(slot.priceMinor(), (long) seats);
    if (subtotal > MAX_AMOUNT) {
      throw Problem.of("amount-too-large", 422, "Amount too large", "This booking would cost " + subtotal
          + " minor units; one payment is at most " + MAX_AMOUNT + ". Book fewer seats.").toException();
    }
    return subtotal;
  }

  private Future<BookingRecord> create(Sql tx, SlotFacts slot, Caller caller, JsonObject body, int seats) {
    String code = body.getString("promoCode");
    String userKey = caller != null ? caller.userId().toString() : HoldGuards.email(body.getJsonObject("guest"));
    Future<PromoCodes.Applied> promo = code == null ? Future.succeededFuture(null)
        : PromoCodes.apply(tx, code, new PromoCodes.Scope(slot.organizationId(), slot.providerId(),
            slot.serviceId(), false), subtotal(slot, seats), userKey);
    return promo.compose(applied -> NewBooking.insert(tx, newBooking(slot, caller, body, seats, applied), 3)
        .compose(booking -> (applied == null ? Future.succeededFuture(0)
            : PromoCodes.recordUse(tx, booking.getId(), applied, userKey))
            .map(booking)));
  }

  /**
   * The booking a hold makes: confirmed at once when there is nothing to pay and nobody to confirm, waiting for
   * staff when the service asks for it, otherwise held until paid.
   */
  private NewBooking newBooking(SlotFacts slot, Caller caller, JsonObject body, int seats, PromoCodes.Applied promo) {
    JsonObject guest = caller == null ? body.getJsonObject("guest") : null;
    long subtotal = subtotal(slot, seats);
    long discount = promo == null ? 0 : promo.discount();
    BookingStatus status = slot.requiresConfirmation() ? BookingStatus.pending_confirmation
        : subtotal - discount == 0 ? BookingStatus.confirmed : BookingStatus.held;
    UUID id = UUID.randomUUID();
    byte[] tokenHash = guest == null ? null : SecretTokens.digest(guestToken(tokenKey, id));
    return new NewBooking(slot, id, caller == null ? null : caller.userId(), guest, body.getString("notes"), seats,
        subtotal, discount, status, tokenHash, status == BookingStatus.held ? holdTtl : null);
  }

  /**
   * A waitlist offer: the seats go to the person first in line as a hold of their own (held even when free: they
   * still have to accept), alive for the offer's time, at the service's price (no promo code).
   */
  static Future<BookingRecord> offer(Sql tx, SlotFacts slot, UUID userId, int seats, Duration offerTtl) {
    long subtotal = Math.multiplyExact(slot.priceMinor(), (long) seats);
    return NewBooking.insert(tx, new NewBooking(slot, UUID.randomUUID(), userId, null, null, seats, subtotal, 0,
        BookingStatus.held, null, offerTtl), 3);
  }

  static Future<SlotFacts> facts(Sql tx, UUID slotId) {
    return facts(tx, slotId, null);
  }

  private static final Prepared<? extends Record> FACTS = Prepared.of(facts(DSL.selectOne().asTable("no_lock")));
  private static final Prepared<? extends Record> FACTS_LOCKED =
      Prepared.of(facts(Locks.taking(DSL.param("lock", String.class))));

  /** The facts, and with them the lock on {@code lock} when it is not null (one round trip for both). */
  private static Future<SlotFacts> facts(Sql tx, UUID slotId, String lock) {
    var values = new HashMap<String, Object>();
    values.put("slot", slotId);
    values.put("lock", lock);
    Prepared<? extends Record> statement = lock == null ? FACTS : FACTS_LOCKED;
    return tx.fetchOptional(statement, values)
        .map(found -> found.map(row -> row.into(SlotFacts.class)).orElseThrow(
            () -> Problem.notFound("No slot " + slotId + ".").toException()));
  }

  /** The slot's facts (parameter {@code slot}), joined with {@code lock}: a one-row table. */
  static ResultQuery<? extends Record> facts(Table<?> lock) {
    return Sql.DSL.select(SLOT.ID, SLOT.STATUS, SLOT.ORGANIZATION_ID, SLOT.PROVIDER_ID, SLOT.SERVICE_ID,
                SLOT.STARTS_AT, SLOT.ENDS_AT, SLOT.OCCUPIED, SERVICE.PRICE_MINOR, SERVICE.CURRENCY, SERVICE.SEATS_PER_SLOT,
                SERVICE.REQUIRES_CONFIRMATION, SERVICE.GUESTS_ALLOWED, SERVICE.FULL_REFUND_HOURS,
                SERVICE.LATE_REFUND_PERCENT, PROVIDER.STATUS,
                DSL.field(SLOT.STARTS_AT.ge(DSL.field("now() + make_interval(mins => {0})",
                    SQLDataType.TIMESTAMPWITHTIMEZONE, SERVICE.MIN_NOTICE_MINUTES))),
                DSL.field(SLOT.STARTS_AT.lt(DSL.field("now() + make_interval(days => {0})",
                    SQLDataType.TIMESTAMPWITHTIMEZONE, SERVICE.HORIZON_DAYS))),
                DSL.field(SchedulingClient.providerWorksThere()), SLOT.CAPACITY, DSL.field(staleOverlaps()),
                DSL.field(SchedulingClient.hasTakeableSeat(SLOT.ID)))
            .from(SLOT).join(SERVICE).on(SERVICE.ID.eq(SLOT.SERVICE_ID))
            .join(PROVIDER).on(PROVIDER.ID.eq(SLOT.PROVIDER_ID))
            .crossJoin(lock)
            .where(SLOT.ID.eq(DSL.param("slot", SLOT.ID))).and(SERVICE.DELETED_AT.isNull());
  }

  static void check(SlotFacts slot, boolean asGuest) {
    Problem refused = refusal(slot, asGuest);
    if (refused != null) {
      throw refused.toException();
    }
  }

  /** Why a hold of the slot would be refused now (null: it would not): what {@link #check} throws. */
  static Problem refusal(SlotFacts slot, boolean asGuest) {
    if (slot.slotStatus() != SlotStatus.open) {
      return Problem.of("slot-unavailable", 409, "Slot unavailable", "This slot was cancelled.");
    }
    if (slot.providerStatus() != ProviderStatus.active || !slot.providerWorksThere()) {
      return Problem.of("provider-not-bookable", 422, "Provider not bookable",
          "This provider is not taking bookings.");
    }
    if (!slot.noticeOk()) {
      return Problem.of("too-late", 422, "Too late to book", "This slot starts within the service's minimum notice.");
    }
    if (!slot.horizonOk()) {
      return Problem.of("too-far-ahead", 422, "Too far ahead", "This slot is beyond the service's booking horizon.");
    }
    if (asGuest && !slot.guestsAllowed()) {
      return Problem.of("guests-not-allowed", 422, "Sign in to book", "This service does not take guest bookings.");
    }
    return null;
  }


  /**
   * A one-to-one slot that an expired hold of its provider still overlaps: only then does a hold have holds to
   * expire first. Asked with the slot's facts, so the usual hold spends no round trip (nor rendering) on it. A hold
   * that another transaction makes stale after the facts were read (its expiry passed by this transaction's clock)
   * makes the insert fail on the no-overlap constraint, as it would have a moment earlier.
   */
  private static Condition staleOverlaps() {
    return SERVICE.SEATS_PER_SLOT.eq(1)
        .and(DSL.exists(DSL.selectOne().from(BOOKING).where(staleOverlap(SLOT.PROVIDER_ID, SLOT.OCCUPIED))));
  }

  /** Expired holds of this provider that overlap the slot stop blocking the no-overlap constraint right now. */
  static Future<Void> expireStaleOverlaps(Sql tx, SlotFacts slot) {
    if (!slot.staleOverlaps()) {
      return Future.succeededFuture();
    }
    return tx.fetch(Sql.DSL.select(BOOKING.ID).from(BOOKING)
            .where(staleOverlap(DSL.val(slot.providerId()), DSL.val(slot.occupied(), BOOKING.DURING)))
            .orderBy(BOOKING.ID).forUpdate().skipLocked())
        .compose(rows -> expire(tx, rows.stream().map(r -> r.value1()).toList(), "hold-expired"));
  }

  /** A one-to-one hold of {@code provider}, expired by the database clock, overlapping {@code during}. */
  private static Condition staleOverlap(Field<UUID> provider, Field<OffsetDateTimeRange> during) {
    return BOOKING.PROVIDER_ID.eq(provider).and(BOOKING.ONE_TO_ONE)
        .and(BOOKING.STATUS.eq(BookingStatus.held)).and(BOOKING.HOLD_EXPIRES_AT.le(SqlTime.now()))
        .and(DSL.condition("{0} && {1}", BOOKING.DURING, during));
  }

  /**
   * Marks held bookings expired (exactly once: only from held) and frees what they still hold. Lock order, the same
   * everywhere: a booking's row before its seats, several bookings in id order. The rows are taken with SKIP LOCKED:
   * a hold that picked an expired hold's seat never waits for that booking's row. Whoever has the row (a sweeper,
   * another hold) expires it; its seat release then skips the seat this transaction re-assigns, as the seat no
   * longer names that booking once this commits. Waiting there instead closed a cycle with that transaction
   * (seat here, booking there): the deadlocks that reached clients as 500s.
   */
  static Future<Void> expire(Sql tx, List<UUID> bookingIds, String actor) {
    if (bookingIds.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.fetch(Sql.DSL.select(BOOKING.ID).from(BOOKING)
            .where(BOOKING.ID.in(bookingIds)).and(BOOKING.STATUS.eq(BookingStatus.held))
            .orderBy(BOOKING.ID).forUpdate().skipLocked())
        .compose(locked -> locked.isEmpty() ? Future.succeededFuture(List.<BookingRecord>of())
            : tx.fetch(Sql.DSL.update(BOOKING).set(BOOKING.STATUS, BookingStatus.expired)
                .set(BOOKING.REFUND_PERCENT, 100)  // anything paid for an expired hold goes back in full
                .set(BOOKING.UPDATED_AT, SqlTime.now())
                .where(BOOKING.ID.in(locked.stream().map(r -> r.value1()).toList()))
                .returning()))
        .compose(expired -> {
          // seats before the promo code's row, the order a hold takes them in
          var ordered = expired.stream().sorted(java.util.Comparator.comparing(BookingRecord::getId)).toList();
          Future<?> chain = Future.succeededFuture();
          for (BookingRecord booking : ordered) {
            chain = chain.compose(x -> Seats.releaseExpired(tx, booking.getId()))
                .compose(x -> BookingEvents.emit(tx, "expired", booking, actor));
          }
          return chain.compose(x -> PromoCodes.release(tx, ordered.stream().map(BookingRecord::getId).toList()));
        });
  }

  static String actor(Caller caller) {
    return caller == null ? "guest" : "user:" + caller.userId();
  }

}
