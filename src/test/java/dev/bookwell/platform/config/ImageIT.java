package dev.bookwell.platform.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.support.TestApp;
import dev.bookwell.support.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The container image that {@code ./mvnw package} writes (target/bookwell-image.tar, OCI), checked after packaging:
 * its configuration (non-root user, entrypoint, port), then its layers unpacked into a file system that the service
 * is started from (chroot in a user namespace: no Docker engine here), answering {@code /ready} and {@code /health}
 * on a real database. Nothing from the build machine is used but the kernel, {@code /dev} and {@code /proc}. (The
 * user namespace maps only its root, so the run is not as uid 10001: the configuration's user is checked instead.)
 */
class ImageIT {

  static final Path TAR = Path.of("target", "bookwell-image.tar");
  static final Path WORK = Path.of("target", "image-it");

  @Test
  void theImageRunsAsAnUnprivilegedUserAndServes() throws Exception {
    assertTrue(Files.exists(TAR), "./mvnw package writes " + TAR);
    run(List.of("rm", "-rf", WORK.toString()));
    Path oci = Files.createDirectories(WORK.resolve("oci"));
    run(List.of("tar", "-xf", TAR.toString(), "-C", oci.toString()));
    var index = json(oci.resolve("index.json"));
    var manifest = blob(oci, index.getJsonArray("manifests").getJsonObject(0).getString("digest"));
    var config = blob(oci, manifest.getJsonObject("config").getString("digest")).getJsonObject("config");

    String user = config.getString("User");
    assertEquals("10001:10001", user);
    assertNotEquals("0", user.split(":")[0]);
    var entrypoint = config.getJsonArray("Entrypoint").getList();
    assertEquals("java", entrypoint.get(0));
    assertEquals("dev.bookwell.Main", entrypoint.get(entrypoint.size() - 1));
    assertTrue(config.getJsonObject("ExposedPorts").containsKey("8080/tcp"));

    Path root = Files.createDirectories(WORK.resolve("rootfs"));
    for (var layer : manifest.getJsonArray("layers")) {
      String digest = ((JsonObject) layer).getString("digest");
      run(List.of("tar", "-xzf", oci.resolve("blobs/sha256/" + digest.substring(7)).toString(), "-C",
          root.toString()));
    }
    assertTrue(Files.getPosixFilePermissions(root.resolve("opt/java/bin/java"))
        .contains(PosixFilePermission.OTHERS_EXECUTE), "the runtime is executable by the service's user");
    assertTrue(Files.readString(root.resolve("etc/passwd")).contains(":10001:10001:"));
    assertTrue(Files.notExists(root.resolve("bin/sh")), "no shell in the image");
    assertEquals(Files.readString(Path.of("ops", "image", "jvm.options")),
        Files.readString(root.resolve("etc/bookwell/jvm.options")), "the JVM flags the benchmark measured");

    var pg = TestDatabase.fresh().connectOptions();
    int port = TestApp.freePort();
    // the host's tools set the stage (by absolute path: the environment is the image's, PATH=/opt/java/bin)
    var command = new ArrayList<String>(List.of("/usr/bin/unshare", "-r", "-m", "/bin/sh", "-c",
        "/bin/mkdir -p \"$0/dev\" \"$0/proc\" && /bin/mount --rbind /dev \"$0/dev\" "
            + "&& /bin/mount --rbind /proc \"$0/proc\" && exec /usr/sbin/chroot \"$0\" \"$@\"",
        root.toAbsolutePath().toString()));
    entrypoint.forEach(part -> command.add(String.valueOf(part)));
    var builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(WORK.resolve("service.log").toFile());
    builder.environment().clear();
    config.getJsonArray("Env").forEach(pair -> {
      String[] kv = String.valueOf(pair).split("=", 2);
      builder.environment().put(kv[0], kv[1]);
    });
    builder.environment().putAll(Map.of(
        "DATABASE_URL", "postgresql://" + pg.getUser() + ":" + pg.getPassword() + "@127.0.0.1:" + pg.getPort()
            + "/" + pg.getDatabase(),
        "BOOKWELL_PAYMENTS", "simulated",
        "BOOKWELL_HTTP_PORT", String.valueOf(port),
        "BOOKWELL_DATA_DIR", "/tmp/bookwell",
        "BOOKWELL_DRAIN_DELAY", "0s"));
    Process service = builder.start();
    try {
      assertEquals(200, awaitStatus(service, "http://127.0.0.1:" + port + "/ready", Duration.ofSeconds(120)));
      assertEquals(200, awaitStatus(service, "http://127.0.0.1:" + port + "/health", Duration.ofSeconds(10)));
      assertTrue(Files.readString(WORK.resolve("service.log"))
          .contains("Picked up JDK_JAVA_OPTIONS: @/etc/bookwell/jvm.options"), "the JVM read the flags file");
    } finally {
      service.destroy();
      service.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
      service.destroyForcibly();
    }
  }

  private static int awaitStatus(Process service, String url, Duration within) throws Exception {
    var http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (!service.isAlive()) {
        throw new AssertionError("the service exited:\n" + Files.readString(WORK.resolve("service.log")));
      }
      try {
        int status = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200) {
          return status;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError(url + " not 200 within " + within + ":\n" + Files.readString(WORK.resolve("service.log")));
  }

  private static JsonObject blob(Path oci, String digest) throws IOException {
    return json(oci.resolve("blobs/sha256/" + digest.substring("sha256:".length())));
  }

  private static JsonObject json(Path file) throws IOException {
    return new JsonObject(Files.readString(file));
  }

  private static void run(List<String> command) throws Exception {
    var process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertEquals(0, process.waitFor(), command + ": " + output);
  }
}
