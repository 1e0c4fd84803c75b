package dev.bookwell.audit;

import static dev.bookwell.db.Tables.AUDIT_ENTRY;

import dev.bookwell.platform.Platform;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.db.Retention;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.Map;

/**
 * The audit area: reads the trail every area writes (through {@code platform.audit.Audit}, in the transaction of
 * each change) and purges entries older than {@code BOOKWELL_AUDIT_RETENTION}.
 */
public final class AuditVerticle extends VerticleBase {

  public static final String API = "audit.api";

  private final Platform platform;
  private long timer = -1;

  public AuditVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var trail = new AuditTrail(platform.db(), vertx.eventBus());
    ApiConsumer.register(vertx.eventBus(), API, Map.of(
        "listOrganizationAudit", trail::ofOrganization,
        "listAudit", trail::all));
    var limits = platform.config().limits();
    timer = Retention.schedule(vertx, platform.db(), limits.purgeInterval(), List.of(new Retention.Rule("audit_entry",
        AUDIT_ENTRY, () -> AUDIT_ENTRY.AT.lt(SqlTime.nowPlus(limits.auditRetention().negated())))));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
