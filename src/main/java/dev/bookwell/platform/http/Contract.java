package dev.bookwell.platform.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The OpenAPI contract: its text (served as it is at /openapi.yaml) and the parsed form that validates requests.
 *
 * <p>vertx-openapi refuses a contract whose responses use media types it cannot validate, such as
 * {@code application/problem+json} or {@code application/yaml}. We validate requests only, so the validator
 * gets a copy without those response media types; the published contract (text and model) keeps them.
 */
record Contract(String text, OpenAPIContract parsed, JsonObject published) {

  static Future<Contract> load(Vertx vertx, String path) {
    return vertx.fileSystem().readFile(path).compose(buffer -> {
      String text = buffer.toString();
      var options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);  // a key written twice silently dropped the first (e.g. parameters)
      JsonObject model = new JsonObject(new Yaml(options).<Map<String, Object>>load(text));
      JsonObject published = model.copy();
      model.getJsonObject("paths", new JsonObject()).forEach(pathItem -> ((JsonObject) pathItem.getValue())
          .forEach(operation -> {
            if (operation.getValue() instanceof JsonObject op) {
              pruneResponses(op.getJsonObject("responses"));
            }
          }));
      pruneResponses(model.getJsonObject("components", new JsonObject()).getJsonObject("responses"));
      return OpenAPIContract.from(vertx, model).map(parsed -> new Contract(text, parsed, published));
    });
  }

  private static void pruneResponses(JsonObject responses) {
    if (responses == null) {
      return;
    }
    responses.forEach(entry -> {
      if (entry.getValue() instanceof JsonObject response && response.getValue("content") instanceof JsonObject c) {
        c.fieldNames().removeIf(type -> !MediaType.isMediaTypeSupported(type));
        if (c.isEmpty()) {
          response.remove("content");
        }
      }
    });
  }
}
