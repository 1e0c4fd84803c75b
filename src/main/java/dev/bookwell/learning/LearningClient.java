package dev.bookwell.learning;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** How other areas reach the learning area: its bus addresses and message shapes. */
public final class LearningClient {

  static final String PAYMENT_SECURED = "learning.payment-secured";
  static final String ENROLLMENT = "learning.enrollment";

  private LearningClient() {
  }

  /**
   * The payments area's question once a course order's card is authorized: {@code {confirmed, refundPercent}}
   * (confirmed: the buyer is enrolled, take the money; otherwise give back {@code refundPercent}). Safe to repeat.
   */
  public static Future<JsonObject> paymentSecured(EventBus bus, UUID orderId) {
    return bus.<JsonObject>request(PAYMENT_SECURED, new JsonObject().put("orderId", orderId.toString()))
        .map(answer -> answer.body());
  }

  /** An enrollment's facts: {@code {userId, courseId, organizationId, status}}; 404 for an unknown one. */
  public static Future<JsonObject> enrollment(EventBus bus, UUID enrollmentId) {
    return bus.<JsonObject>request(ENROLLMENT, new JsonObject().put("enrollmentId", enrollmentId.toString()))
        .map(answer -> answer.body());
  }
}
