package dev.bookwell.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bookwell.client.ApiClient;
import dev.bookwell.client.ApiException;
import dev.bookwell.client.api.BookingApi;
import dev.bookwell.client.api.IdentityApi;
import dev.bookwell.client.api.OrganizationsApi;
import dev.bookwell.client.api.PaymentsApi;
import dev.bookwell.client.api.SchedulingApi;
import dev.bookwell.client.model.BookingStatus;
import dev.bookwell.client.model.CreateBookingRequest;
import dev.bookwell.client.model.CreateOrganizationRequest;
import dev.bookwell.client.model.CreateProviderRequest;
import dev.bookwell.client.model.CreateServiceRequest;
import dev.bookwell.client.model.CreateSessionRequest;
import dev.bookwell.client.model.CreateVenueRequest;
import dev.bookwell.client.model.LoginRequest;
import dev.bookwell.client.model.PatchServiceRequest;
import dev.bookwell.client.model.RegisterUserRequest;
import dev.bookwell.identity.AdminFixture;
import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.AppTest;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The typed Java client generated from the contract at build time, used end to end against the running service:
 * an owner opens a clinic, a provider joins it, a client books, pays (simulated) and cancels. If the contract
 * described an answer wrongly, the client's deserialization would fail here.
 */
class ClientEndToEndTest extends AppTest {

  @Test
  void theGeneratedClientRunsABookingFromOpeningToCancellation() throws ApiException {
    String owner = signUp();
    String providerUser = signUp();
    String client = signUp();
    String admin = AdminFixture.adminToken(app);

    var org = new SchedulingApi(as(owner)).createOrganization(new CreateOrganizationRequest()
        .kind(CreateOrganizationRequest.KindEnum.CLINIC).name("Typed clinic").timezone("Europe/Berlin")
        .currency("EUR"), UUID.randomUUID().toString());
    var venue = new SchedulingApi(as(owner)).createVenue(org.getId(), new CreateVenueRequest().name("Room A")
        .capacity(4), null);
    var service = new SchedulingApi(as(owner)).createService(org.getId(), new CreateServiceRequest()
        .name("Check-up").durationMinutes(30).priceMinor(4500), null);

    var provider = new SchedulingApi(as(providerUser)).createProvider(new CreateProviderRequest()
        .displayName("Dr Typed").timezone("Europe/Berlin").specialties(List.of("general"))
        .languages(List.of("en")), null);
    new SchedulingApi(as(admin)).approveProvider(provider.getId(), new dev.bookwell.client.model.ApproveProviderRequest());
    new SchedulingApi(as(providerUser)).activateProvider(provider.getId());
    new SchedulingApi(as(owner)).linkProvider(org.getId(), provider.getId());
    assertEquals("active", new SchedulingApi(as(providerUser)).acceptProviderLink(provider.getId(), org.getId())
        .getStatus().getValue());

    var session = new SchedulingApi(as(owner)).createSession(org.getId(), new CreateSessionRequest()
        .serviceId(service.getId()).providerId(provider.getId()).venueId(venue.getId())
        .startsAt(World.at(4)).capacity(2), null);
    var slot = new SchedulingApi(as(null)).getSlot(session.getId());
    assertEquals(2, slot.getSeatsAvailable());
    assertEquals(4500L, slot.getPrice().getAmountMinor());

    var held = new BookingApi(as(client)).createBooking(new CreateBookingRequest().slotId(slot.getId()),
        UUID.randomUUID().toString());
    assertEquals(BookingStatus.HELD, held.getStatus());
    assertNotNull(held.getPayment());
    assertEquals("requires_payment", held.getPayment().getStatus());

    new OrganizationsApi(as(owner)).patchService(service.getId(), new PatchServiceRequest().priceMinor(9900), null);
    assertEquals("captured", new PaymentsApi(as(client)).simulatePaymentSuccess(held.getId(), null).getStatus());
    var confirmed = new BookingApi(as(client)).getBooking(held.getId(), null);
    assertEquals(BookingStatus.CONFIRMED, confirmed.getStatus());
    assertEquals(4500L, confirmed.getAmount().getTotal(), "the new price is for new bookings");
    assertEquals(4500L, confirmed.getPayment().getAmount().getAmountMinor());

    var cancelled = new BookingApi(as(client)).cancelBooking(held.getId(), null);
    assertEquals(BookingStatus.CANCELLED, cancelled.getStatus());
    var missing = assertThrows(ApiException.class, () -> new BookingApi(as(signUp())).getBooking(held.getId(), null));
    assertEquals(404, missing.getCode(), "someone else's booking does not exist for them");
  }

  /** A client of the running service, sending {@code token} as the bearer when there is one. */
  private static ApiClient as(String token) {
    var api = new ApiClient();
    api.updateBaseUri("http://127.0.0.1:" + app.config.httpPort());
    if (token != null) {
      api.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token));
    }
    return api;
  }

  private static String signUp() throws ApiException {
    String email = IdentityFixture.uniqueEmail();
    new IdentityApi(as(null)).registerUser(new RegisterUserRequest().email(email).password(IdentityFixture.PASSWORD)
        .name("Typed User"));
    return new IdentityApi(as(null)).login(new LoginRequest().email(email).password(IdentityFixture.PASSWORD))
        .getAccessToken();
  }
}
