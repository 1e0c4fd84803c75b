package dev.bookwell.notifications;

import dev.bookwell.platform.auth.SecretTokens;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * SMS or push through a gateway of the operator's choosing: each message is POSTed as JSON
 * {@code {id, channel, to, subject, text}} to the configured URL, signed like Bookwell's outgoing webhooks
 * ({@code Bookwell-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>}). 2xx is sent; 4xx other than
 * 408 and 429 is a refusal (not retried); anything else, or no answer within {@link #TIMEOUT}, is retried.
 */
final class HttpChannel implements Channel {

  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final String name;
  private final HttpClient client;
  private final String url;
  private final byte[] secret;

  HttpChannel(String name, HttpClient client, String url, String secret) {
    this.name = name;
    this.client = client;
    this.url = url;
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Future<String> send(Outgoing message) {
    String body = new JsonObject().put("id", message.id()).put("channel", name).put("to", message.recipient())
        .put("subject", message.letter().subject()).put("text", message.letter().shortText()).encode();
    var options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
        .setConnectTimeout(TIMEOUT.toMillis()).setIdleTimeout(TIMEOUT.toMillis())
        .putHeader("Content-Type", "application/json")
        .putHeader("Bookwell-Signature", SecretTokens.signatureHeader(secret, Instant.now().getEpochSecond(), body))
        .putHeader("Bookwell-Message-Id", message.id());
    return client.request(options)
        .compose(request -> request.send(body))
        .compose(response -> response.body().map(answer -> {
          int status = response.statusCode();
          String excerpt = Channel.excerpt(status + " " + answer);
          if (status >= 200 && status < 300) {
            return excerpt;
          }
          throw status >= 400 && status < 500 && status != 408 && status != 429
              ? new Refused(name + " gateway refused: " + excerpt, false)
              : new IllegalStateException(name + " gateway answered " + excerpt);
        }))
        .timeout(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
  }
}
