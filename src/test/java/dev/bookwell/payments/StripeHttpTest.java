package dev.bookwell.payments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import dev.bookwell.support.Wait;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

/** {@link StripeHttp} against a server that is not Stripe: an error answered without a body. */
class StripeHttpTest {

  @Test
  void anErrorWithoutABodyIsAStripeErrorWithItsStatus() {
    var vertx = Vertx.vertx();
    try {
      var server = Wait.on(vertx.createHttpServer()
          .requestHandler(request -> request.response().setStatusCode(404).end())
          .listen(0, "127.0.0.1"));
      var stripe = StripeClient.builder().setApiKey("sk_test_bare").setMaxNetworkRetries(0)
          .setApiBase("http://127.0.0.1:" + server.actualPort()).setHttpClient(new StripeHttp()).build();
      var e = assertThrows(StripeException.class, () -> stripe.v1().accounts().retrieve("acct_nobody"));
      assertEquals(404, e.getStatusCode());
    } finally {
      Wait.on(vertx.close());
    }
  }
}
