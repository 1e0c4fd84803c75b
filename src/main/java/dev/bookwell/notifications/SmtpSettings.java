package dev.bookwell.notifications;

import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.StartTLSOptions;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code BOOKWELL_SMTP_URL} as a mail client configuration: {@code smtp://host:25} uses STARTTLS when the server
 * offers it ({@code ?starttls=required} insists on it), always when credentials are given
 * ({@code smtp://user:pass@host:587}); {@code smtps://host:465} is TLS from the first byte.
 */
final class SmtpSettings {

  private SmtpSettings() {
  }

  static MailConfig parse(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("BOOKWELL_SMTP_URL is not a URL: " + e.getMessage());
    }
    boolean implicitTls = "smtps".equals(uri.getScheme());
    if (!implicitTls && !"smtp".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("BOOKWELL_SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://...");
    }
    var config = new MailConfig().setHostname(uri.getHost())
        .setPort(uri.getPort() > 0 ? uri.getPort() : implicitTls ? 465 : 587)
        .setSsl(implicitTls)
        .setStarttls(implicitTls ? StartTLSOptions.DISABLED
            : "starttls=required".equals(uri.getQuery()) ? StartTLSOptions.REQUIRED : StartTLSOptions.OPTIONAL)
        .setKeepAlive(true);
    if (uri.getRawUserInfo() != null) {
      String[] user = uri.getRawUserInfo().split(":", 2);
      config.setUsername(URLDecoder.decode(user[0], StandardCharsets.UTF_8))
          .setPassword(user.length > 1 ? URLDecoder.decode(user[1], StandardCharsets.UTF_8) : "")
          .setLogin(LoginOption.REQUIRED)
          // credentials never travel in clear: a stripped STARTTLS offer fails the connection instead
          .setStarttls(implicitTls ? StartTLSOptions.DISABLED : StartTLSOptions.REQUIRED);
    } else {
      config.setLogin(LoginOption.DISABLED);
    }
    return config;
  }
}
