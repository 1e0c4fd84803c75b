package dev.bookwell.payments;

import com.stripe.exception.ApiConnectionException;
import com.stripe.net.ApiMode;
import com.stripe.net.HttpClient;
import com.stripe.net.HttpHeaders;
import com.stripe.net.StripeRequest;
import com.stripe.net.StripeResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * stripe-java's own HTTP client ({@code HttpURLConnectionClient}: the JDK's connection, its keep-alive cache, the
 * same headers, timeouts and retries), except that the two user-agent headers are built once. stripe-java builds
 * {@code X-Stripe-Client-User-Agent} for every request, and each time reads gson's {@code pom.properties} out of its
 * jar for the gson version: in the purchase benchmark's profile that was 34 of the 514 samples of the service's
 * threads (6.6 %), as many as the HTTP exchange itself took. Both values depend only on the JVM, the bindings and
 * the process's environment. No proxy: the gateway never sets one.
 */
final class StripeHttp extends HttpClient {

  private static final String CLIENT_USER_AGENT = buildXStripeClientUserAgentString();
  private final Map<ApiMode, String> userAgents = new ConcurrentHashMap<>();

  @Override
  public StripeResponse request(StripeRequest request) throws ApiConnectionException {
    try {
      HttpURLConnection connection = open(request);
      int status = connection.getResponseCode();
      var headers = HttpHeaders.of(connection.getHeaderFields());
      try (InputStream body = status >= 200 && status < 300 ? connection.getInputStream()
          : connection.getErrorStream()) {
        // an error without a body (a proxy's 502, a 404 from elsewhere) becomes Stripe's error shape, so it fails
        // as a StripeException with its status rather than as a parse error
        return new StripeResponse(status, headers, body != null ? new String(body.readAllBytes(),
            StandardCharsets.UTF_8) : "{\"error\": {\"type\": \"api_error\", \"message\": \"HTTP " + status
            + " without a body\"}}");
      }
    } catch (IOException e) {
      throw new ApiConnectionException("IOException during API request to Stripe (" + request.url() + "): "
          + e.getMessage(), e);
    }
  }

  private HttpURLConnection open(StripeRequest request) throws IOException {
    var connection = (HttpURLConnection) request.url().openConnection();
    connection.setConnectTimeout(request.options().getConnectTimeout());
    connection.setReadTimeout(request.options().getReadTimeout());
    connection.setUseCaches(false);
    String userAgent = userAgents.computeIfAbsent(request.apiMode(), mode -> buildUserAgentString(request));
    var headers = request.headers().withAdditionalHeaders(Map.of("User-Agent", List.of(userAgent),
        "X-Stripe-Client-User-Agent", List.of(CLIENT_USER_AGENT)));
    headers.map().forEach((name, values) -> connection.setRequestProperty(name, String.join(",", values)));
    connection.setRequestMethod(request.method().name());
    if (request.content() != null) {
      connection.setDoOutput(true);
      connection.setRequestProperty("Content-Type", request.content().contentType());
      try (OutputStream out = connection.getOutputStream()) {
        out.write(request.content().byteArrayContent());
      }
    }
    return connection;
  }
}
