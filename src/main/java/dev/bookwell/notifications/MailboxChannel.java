package dev.bookwell.notifications;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * The demo's email (embedded database, no {@code BOOKWELL_SMTP_URL}): each message is written as a JSON file under
 * {@code <data dir>/mailbox/} and listed at {@code GET /v1/dev/mailbox}, so the two-command setup shows every email a
 * flow sends, links included. File I/O goes through Vert.x's asynchronous file system (off the event loop). Never
 * on with a real database: the listing is public and holds live links.
 */
final class MailboxChannel implements Channel {

  /** At most this many of the newest files are read per listing (a filter by recipient looks no further). */
  static final int SCAN = 200;

  private final FileSystem files;
  private final String dir;
  private final String from;

  MailboxChannel(FileSystem files, Path dataDir, String from) {
    this.files = files;
    this.dir = dataDir.resolve("mailbox").toString();
    this.from = from;
  }

  @Override
  public Future<String> send(Outgoing message) {
    var mail = EmailChannel.mail(from, message);
    var headers = new JsonObject();
    mail.getHeaders().forEach(header -> headers.put(header.getKey(), header.getValue()));
    var stored = new JsonObject().put("id", message.id()).put("to", message.recipient())
        .put("subject", mail.getSubject()).put("text", mail.getText()).put("html", mail.getHtml())
        .put("headers", headers).put("attachments", new JsonArray(message.calendar() == null ? List.of()
            : List.of(message.calendar().name())))
        .put("sentAt", Instant.now().toString());
    // the name sorts by time: the listing reads the newest first without opening the others
    String name = String.format("%015d-%s.json", System.currentTimeMillis(), message.id());
    return files.mkdirs(dir).compose(x -> files.writeFile(dir + "/" + name, Buffer.buffer(stored.encodePrettily())))
        .map("written to the demo mailbox");
  }

  /** GET /v1/dev/mailbox?limit=&to= */
  Future<ApiReply> list(ApiRequest request) {
    int limit = request.query().getInteger("limit", 20);
    String to = request.query().getString("to");
    return files.exists(dir).compose(exists -> exists ? files.readDir(dir, ".*\\.json") : Future.succeededFuture(
            List.<String>of()))
        .compose(names -> {
          var newest = names.stream().sorted(Comparator.reverseOrder()).limit(SCAN).toList();
          // a file being written or damaged is left out, not a failed listing
          return Future.all(newest.stream().map(name -> files.readFile(name).map(Buffer::toJsonObject)
              .otherwise((JsonObject) null)).toList());
        })
        .map(read -> new JsonArray(read.<JsonObject>list().stream().filter(java.util.Objects::nonNull)
            .filter(mail -> to == null || to.equalsIgnoreCase(mail.getString("to"))).limit(limit).toList()))
        .map(items -> ApiReply.ok(new JsonObject().put("items", items)));
  }

  /** The listing where the mailbox is off: as if the operation did not exist. */
  static Future<ApiReply> off(ApiRequest request) {
    return Future.failedFuture(Problem.notFound("The demo mailbox is on only with the embedded database and no "
        + "BOOKWELL_SMTP_URL.").toException());
  }
}
