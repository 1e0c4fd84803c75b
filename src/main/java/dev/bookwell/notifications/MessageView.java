package dev.bookwell.notifications;

import java.util.List;

/**
 * What the message templates ({@code src/main/jte/html/message.jte} and {@code text/message.jte}) show: already in
 * the recipient's language; the HTML template escapes every value. Public only because the compiled templates live
 * in their own package.
 */
public record MessageView(String lang, String subject, String greeting, List<String> paragraphs, String actionLabel,
                          String actionLink, List<String> footer, String unsubscribeLabel, String unsubscribeLink) {
}
