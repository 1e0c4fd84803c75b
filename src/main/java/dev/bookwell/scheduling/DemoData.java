package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.AVAILABILITY_RULE;
import static dev.bookwell.db.Tables.ORGANIZATION;
import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.VENUE;

import dev.bookwell.db.enums.OrganizationKind;
import dev.bookwell.db.enums.ProviderLinkStatus;
import dev.bookwell.db.enums.ProviderStatus;
import dev.bookwell.db.enums.SlotOrigin;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.DemoAccounts;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.SlotGenerator.Generated;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;
import java.util.List;
import java.util.UUID;

/**
 * The embedded demo: a clinic with two doctors (weekday hours, 30-minute consultations) and a training centre
 * with a 12-seat first-aid course at a venue. Fixed ids, created once; the demo admin owns both organizations.
 */
final class DemoData {

  static final UUID CLINIC = UUID.fromString("00000000-0000-4000-9000-000000000001");
  static final UUID TRAINING_CENTRE = DemoAccounts.TRAINING_CENTRE;
  static final UUID CONSULTATION = UUID.fromString("00000000-0000-4000-9000-000000000011");
  static final UUID FIRST_AID = DemoAccounts.FIRST_AID_SERVICE;
  static final UUID ROOM_1 = UUID.fromString("00000000-0000-4000-9000-000000000021");
  static final UUID ROOM_2 = UUID.fromString("00000000-0000-4000-9000-000000000022");
  static final UUID HALL = UUID.fromString("00000000-0000-4000-9000-000000000023");
  static final UUID ADA = UUID.fromString("00000000-0000-4000-9000-000000000031");
  static final UUID BEN = UUID.fromString("00000000-0000-4000-9000-000000000032");
  static final UUID IVY = DemoAccounts.IVY_PROVIDER;
  static final ZoneId LONDON = ZoneId.of("Europe/London");

  private DemoData() {
  }

  static Future<Void> seed(Db db, EventBus bus, Regeneration regeneration) {
    return db.fetchOptional(Sql.DSL.selectOne().from(ORGANIZATION).where(ORGANIZATION.ID.eq(CLINIC)))
        .compose(found -> found.isPresent() ? Future.succeededFuture()
            : IdentityClient.grantOwner(bus, CLINIC, DemoAccounts.ADMIN.id())
                .compose(x -> IdentityClient.grantOwner(bus, TRAINING_CENTRE, DemoAccounts.ADMIN.id()))
                .compose(x -> db.transaction(tx -> insert(tx, regeneration))));
  }

  private static Future<Void> insert(Sql tx, Regeneration regeneration) {
    UUID admin = DemoAccounts.ADMIN.id();
    return tx.update(Sql.DSL.insertInto(ORGANIZATION, ORGANIZATION.ID, ORGANIZATION.KIND, ORGANIZATION.NAME,
                ORGANIZATION.TIMEZONE, ORGANIZATION.CURRENCY, ORGANIZATION.CREATED_BY)
            .values(CLINIC, OrganizationKind.clinic, "Riverside Clinic", LONDON.getId(), "GBP", admin)
            .values(TRAINING_CENTRE, OrganizationKind.training_centre, "Lifeline Training Centre", LONDON.getId(),
                "GBP", admin))
        .compose(x -> tx.update(Sql.DSL.insertInto(VENUE, VENUE.ID, VENUE.ORGANIZATION_ID, VENUE.NAME, VENUE.CAPACITY,
                VENUE.ADDRESS)
            .values(ROOM_1, CLINIC, "Consulting room 1", 2, "1 River Street, London")
            .values(ROOM_2, CLINIC, "Consulting room 2", 2, "1 River Street, London")
            .values(HALL, TRAINING_CENTRE, "Training hall", 30, "5 Harbour Road, London")))
        .compose(x -> tx.update(Sql.DSL.insertInto(SERVICE, SERVICE.ID, SERVICE.ORGANIZATION_ID, SERVICE.NAME,
                SERVICE.DURATION_MINUTES, SERVICE.PRICE_MINOR, SERVICE.CURRENCY, SERVICE.SEATS_PER_SLOT,
                SERVICE.MIN_NOTICE_MINUTES, SERVICE.HORIZON_DAYS)
            .values(CONSULTATION, CLINIC, "General consultation", 30, 4500L, "GBP", 1, 60, 30)
            .values(FIRST_AID, TRAINING_CENTRE, "First aid at work (one day)", 240, 12000L, "GBP", 12, 0, 90)))
        .compose(x -> tx.update(Sql.DSL.insertInto(PROVIDER, PROVIDER.ID, PROVIDER.USER_ID, PROVIDER.DISPLAY_NAME,
                PROVIDER.SPECIALTIES, PROVIDER.LANGUAGES, PROVIDER.TIMEZONE, PROVIDER.STATUS, PROVIDER.DECIDED_BY)
            .values(ADA, DemoAccounts.DOCTOR_ADA.id(), DemoAccounts.DOCTOR_ADA.name(),
                new String[] {"general practice"}, new String[] {"en"}, LONDON.getId(), ProviderStatus.active, admin)
            .values(BEN, DemoAccounts.DOCTOR_BEN.id(), DemoAccounts.DOCTOR_BEN.name(),
                new String[] {"paediatrics"}, new String[] {"en", "es"}, LONDON.getId(), ProviderStatus.active, admin)
            .values(IVY, DemoAccounts.INSTRUCTOR.id(), DemoAccounts.INSTRUCTOR.name(),
                new String[] {"first aid"}, new String[] {"en"}, LONDON.getId(), ProviderStatus.active, admin)))
        .compose(x -> tx.update(Sql.DSL.insertInto(PROVIDER_ORGANIZATION, PROVIDER_ORGANIZATION.PROVIDER_ID,
                PROVIDER_ORGANIZATION.ORGANIZATION_ID, PROVIDER_ORGANIZATION.STATUS)
            .values(ADA, CLINIC, ProviderLinkStatus.active).values(BEN, CLINIC, ProviderLinkStatus.active)
            .values(IVY, TRAINING_CENTRE, ProviderLinkStatus.active)))
        .compose(x -> weekdayHours(tx, ADA, "09:00", "12:30", ROOM_1))
        .compose(x -> weekdayHours(tx, BEN, "13:00", "17:00", ROOM_2))
        .compose(x -> regeneration.regenerate(tx, ADA, CLINIC))
        .compose(x -> regeneration.regenerate(tx, BEN, CLINIC))
        .compose(x -> {
          // Next Saturday, 09:00 London time, in the training hall.
          var day = LocalDate.now(LONDON).plusDays(1).with(TemporalAdjusters.nextOrSame(DayOfWeek.SATURDAY));
          var start = day.atTime(9, 0).atZone(LONDON).toInstant();
          var course = new Generated(FIRST_AID, HALL, start, start.plus(Duration.ofMinutes(240)), start,
              start.plus(Duration.ofMinutes(240)), 12);
          return Slots.insert(tx, IVY, TRAINING_CENTRE, List.of(course), SlotOrigin.session);
        })
        .mapEmpty();
  }

  private static Future<Integer> weekdayHours(Sql tx, UUID provider, String start, String end, UUID room) {
    var insert = Sql.DSL.insertInto(AVAILABILITY_RULE, AVAILABILITY_RULE.PROVIDER_ID, AVAILABILITY_RULE.ORGANIZATION_ID,
        AVAILABILITY_RULE.WEEKDAY, AVAILABILITY_RULE.START_TIME, AVAILABILITY_RULE.END_TIME,
        AVAILABILITY_RULE.SERVICE_IDS, AVAILABILITY_RULE.VENUE_ID);
    for (int day = 1; day <= 5; day++) {
      insert = insert.values(provider, CLINIC, day, LocalTime.parse(start), LocalTime.parse(end),
          new UUID[] {CONSULTATION}, room);
    }
    return tx.update(insert);
  }
}
