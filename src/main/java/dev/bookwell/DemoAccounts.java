package dev.bookwell;

import java.util.List;
import java.util.UUID;

/**
 * The demo accounts of the embedded mode, with fixed ids so that each area can seed its own demo data for them
 * without reading another area's tables. All share one password (listed in the README).
 */
public final class DemoAccounts {

  public static final String PASSWORD = "bookwell-demo-2026";

  public record Account(UUID id, String email, String name, String role) {
  }

  public static final Account ADMIN = account(1, "admin", "Demo Admin", "admin");
  public static final Account CLIENT = account(2, "client", "Demo Client", "client");
  public static final Account DOCTOR_ADA = account(3, "provider", "Dr Ada Lovelace", "provider");
  public static final Account DOCTOR_BEN = account(4, "doctor", "Dr Ben Carson", "provider");
  public static final Account INSTRUCTOR = account(5, "instructor", "Ivy Instructor", "provider");

  public static final List<Account> ALL = List.of(ADMIN, CLIENT, DOCTOR_ADA, DOCTOR_BEN, INSTRUCTOR);

  /** The demo's training centre, its first-aid service (the classroom course's sessions) and Ivy's provider id. */
  public static final UUID TRAINING_CENTRE = UUID.fromString("00000000-0000-4000-9000-000000000002");
  public static final UUID FIRST_AID_SERVICE = UUID.fromString("00000000-0000-4000-9000-000000000012");
  public static final UUID IVY_PROVIDER = UUID.fromString("00000000-0000-4000-9000-000000000033");

  private DemoAccounts() {
  }

  private static Account account(int n, String local, String name, String role) {
    return new Account(UUID.fromString("00000000-0000-4000-8000-00000000000" + n), local + "@demo.bookwell.dev",
        name, role);
  }
}
