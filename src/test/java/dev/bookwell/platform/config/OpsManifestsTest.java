package dev.bookwell.platform.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The example compose file and Kubernetes manifests stay true: they parse, their probes are the contract's health
 * and readiness paths, and every variable they set is one the service reads.
 */
class OpsManifestsTest {

  private static final String CONFIG = "src/main/java/dev/bookwell/platform/config/Config.java";

  @Test
  @SuppressWarnings("unchecked")
  void composeRunsPostgresAndTwoNodesWithKnownVariables() throws Exception {
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("ops/compose.yaml")));
    var services = (Map<String, Map<String, Object>>) compose.get("services");
    assertTrue(services.containsKey("postgres"));
    var nodes = services.entrySet().stream().filter(e -> e.getKey().startsWith("node")).toList();
    assertEquals(2, nodes.size());
    for (var node : nodes) {
      var env = (Map<String, Object>) node.getValue().get("environment");
      assertKnown(env.keySet());
      assertEquals("hazelcast", env.get("BOOKWELL_CLUSTER"));
      assertTrue(env.containsKey("BOOKWELL_SECRET_KEY"), "nodes share the signing keys through the database");
      assertEquals(node.getKey(), env.get("BOOKWELL_CLUSTER_HOST"));
      assertTrue(String.valueOf(env.get("BOOKWELL_CLUSTER_MEMBERS")).contains(node.getKey()));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theDeploymentProbesHealthAndReadinessAndReadsKnownVariables() throws Exception {
    var documents = new ArrayList<Map<String, Object>>();
    new Yaml().loadAll(Files.readString(Path.of("ops/k8s/bookwell.yaml"))).forEach(d -> documents.add(
        (Map<String, Object>) d));
    var deployment = documents.stream().filter(d -> "Deployment".equals(d.get("kind"))).findFirst().orElseThrow();
    var podSpec = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) deployment.get("spec"))
        .get("template")).get("spec");
    var container = ((List<Map<String, Object>>) podSpec.get("containers")).getFirst();
    String contract = Files.readString(Path.of("src/main/resources/openapi.yaml"));
    String liveness = path(container, "livenessProbe");
    String readiness = path(container, "readinessProbe");
    assertEquals("/health", liveness);
    assertEquals("/ready", readiness);
    assertTrue(contract.contains("\n  " + liveness + ":") && contract.contains("\n  " + readiness + ":"),
        "both paths are in the contract");
    assertEquals(Boolean.TRUE, ((Map<String, Object>) podSpec.get("securityContext")).get("runAsNonRoot"));
    assertEquals(10001, ((Map<String, Object>) podSpec.get("securityContext")).get("runAsUser"));
    assertTrue(Files.readString(Path.of("pom.xml")).contains("<user>10001:10001</user>"), "the image's own user");
    var names = ((List<Map<String, Object>>) container.get("env")).stream().map(e -> (String) e.get("name")).toList();
    assertKnown(names);
    assertTrue(documents.stream().anyMatch(d -> "Service".equals(d.get("kind"))));
  }

  @SuppressWarnings("unchecked")
  private static String path(Map<String, Object> container, String probe) {
    return (String) ((Map<String, Object>) ((Map<String, Object>) container.get(probe)).get("httpGet")).get("path");
  }

  private static void assertKnown(java.util.Collection<String> names) throws Exception {
    String config = Files.readString(Path.of(CONFIG));
    var quoted = new ArrayList<>(Pattern.compile("\"([A-Z_]+)\"").matcher(config).results().map(m -> m.group(1))
        .toList());
    // and the logging variables, read by logback.xml
    Pattern.compile("\\$\\{([A-Z_]+):-").matcher(Files.readString(Path.of("src/main/resources/logback.xml")))
        .results().forEach(m -> quoted.add(m.group(1)));
    for (String name : names) {
      assertTrue(quoted.contains(name), name + " is not a variable Bookwell reads");
    }
  }
}
