package dev.bookwell.notifications;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import java.text.MessageFormat;
import java.text.NumberFormat;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.ResourceBundle;
import java.util.Set;

/**
 * The words of every message, per language: the catalogue ({@code notifications/messages*.properties}, English and
 * German) says what each template says; jte lays it out as HTML (escaped) and plain text. The arguments are the same
 * for every message ({@link Facts}), so a translation may use any of them.
 */
final class Messages {

  static final Set<String> LOCALES = Set.of("en", "de");
  private static final ResourceBundle.Control NO_FALLBACK =
      ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);
  private static final TemplateEngine HTML = TemplateEngine.createPrecompiled(null, ContentType.Html,
      Messages.class.getClassLoader(), "dev.bookwell.notifications.html");
  private static final TemplateEngine TEXT = TemplateEngine.createPrecompiled(null, ContentType.Plain,
      Messages.class.getClassLoader(), "dev.bookwell.notifications.text");

  /**
   * {0} reference, {1} when it starts, {2} until when, {3} an amount, {4} the organization, {5} a note, {6} the
   * booking's video meeting (null: none).
   */
  record Facts(String reference, String when, String until, String amount, String organization, String note,
               String meeting) {
    Facts(String reference, String when, String until, String amount, String organization, String note) {
      this(reference, when, until, amount, organization, note, null);
    }

    Object[] args() {
      return new Object[] {reference, when, until, amount, organization, note == null ? "" : note, meeting};
    }
  }

  /**
   * Where a message leads: its action link and label key ({@code expires}: the link stops working at {2}), the
   * organization and its contact for the footer, the unsubscribe token (null: mail one cannot leave).
   */
  record Links(String action, String actionKey, boolean expires, String organization, String contact,
               String unsubscribe) {
  }

  /**
   * A message ready for any channel: the parts of an email, the short text of an SMS or push, and for mail one may
   * leave the one-click URL ({@code List-Unsubscribe}, a POST to the API).
   */
  record Letter(String subject, String text, String html, String shortText, String unsubscribe) {
  }

  /** The messages that carry a booking's video meeting link: the confirmation, a move, the reminders. */
  static final java.util.Set<String> MEETING_TEMPLATES = java.util.Set.of("booking-confirmed", "booking-rescheduled",
      "booking-reminder");

  private Messages() {
  }

  /** A supported language, English otherwise. */
  static String locale(String requested) {
    return requested != null && LOCALES.contains(requested) ? requested : "en";
  }

  static String text(String locale, String key, Object... args) {
    return new MessageFormat(raw(locale, key), Locale.forLanguageTag(locale)).format(args);
  }

  private static String raw(String locale, String key) {
    return ResourceBundle.getBundle("notifications.messages", Locale.forLanguageTag(locale(locale)), NO_FALLBACK)
        .getString(key);
  }

  /** An instant as people read it, in their zone and language: "Monday 7 December 2026, 09:00 (CET)". */
  static String when(String instant, String timezone, String locale) {
    return instant == null ? "" : DateTimeFormatter.ofPattern(raw(locale, "format.when"), Locale.forLanguageTag(locale))
        .format(Instant.parse(instant).atZone(ZoneId.of(timezone == null ? "UTC" : timezone)));
  }

  /** Minor units as people read them: "€12.50", "12,50 €". */
  static String amount(long minor, String currency, String locale) {
    var format = NumberFormat.getCurrencyInstance(Locale.forLanguageTag(locale).equals(Locale.ENGLISH)
        ? Locale.UK : Locale.GERMANY);
    Currency unit = Currency.getInstance(currency);
    format.setCurrency(unit);
    return format.format(java.math.BigDecimal.valueOf(minor, Math.max(0, unit.getDefaultFractionDigits())));
  }

  /**
   * A subject line: one line, whatever its arguments hold (an organization named "Acme\nBcc: ..." must not add a
   * header to the mail).
   */
  static String subject(String template, String locale, Facts facts) {
    return text(locale, template + ".subject", facts.args()).replaceAll("\\p{Cntrl}+", " ").strip();
  }

  /** Renders {@code template} for one recipient. */
  static Letter render(String template, String locale, String name, Facts facts, Links links, String publicUrl) {
    String subject = subject(template, locale, facts);
    var paragraphs = new ArrayList<String>();
    paragraphs.add(text(locale, template + ".body", facts.args()).strip());
    if (facts.meeting() != null && MEETING_TEMPLATES.contains(template)) {
      paragraphs.add(text(locale, "meeting.join", facts.args()));
    }
    if (links.expires()) {
      paragraphs.add(text(locale, "link.expires", facts.args()));
    }
    var footer = new ArrayList<String>();
    if (links.organization() == null) {
      footer.add(text(locale, "footer.platform"));
    } else {
      footer.add(text(locale, "footer", null, null, null, null, links.organization()));
      if (links.contact() != null) {
        footer.add(text(locale, "footer.contact", null, null, null, null, links.organization(), links.contact()));
      }
    }
    String actionKey = links.actionKey();
    var view = new MessageView(locale, subject,
        name == null || name.isBlank() ? text(locale, "greeting.anonymous") : text(locale, "greeting", name),
        List.copyOf(paragraphs), actionKey == null ? null : text(locale, actionKey), links.action(),
        List.copyOf(footer), text(locale, "unsubscribe"),
        // the link in the text opens the page that asks before it unsubscribes (mail scanners follow links)
        links.unsubscribe() == null ? null : publicUrl + "/unsubscribe?token=" + links.unsubscribe());
    var html = new StringOutput();
    HTML.render("message.jte", view, html);
    var text = new StringOutput();
    TEXT.render("message.jte", view, text);
    String shortText = links.action() == null ? subject : subject + " " + links.action();
    return new Letter(subject, text.toString(), html.toString(), shortText,
        links.unsubscribe() == null ? null : publicUrl + "/v1/unsubscribe?token=" + links.unsubscribe());
  }
}
