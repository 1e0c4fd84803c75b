package dev.bookwell.platform;

import dev.bookwell.platform.config.Config;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/**
 * The Hazelcast side of {@code BOOKWELL_CLUSTER=hazelcast}. Hazelcast only keeps the cluster's membership and the
 * event bus's subscriber lists here: no booking state lives in it (PostgreSQL is the one source of truth), so
 * losing a member loses nothing but that member's requests in flight. Neither Hazelcast nor the bus encrypts:
 * the members must talk over a private network (README, Operations).
 */
public final class ClusterConfig {

  private ClusterConfig() {
  }

  public static com.hazelcast.config.Config hazelcast(Config.Cluster cluster, String secretKey) {
    var config = ConfigUtil.loadConfig();  // vertx-hazelcast's maps and multimaps, with their backups
    // Hazelcast's open-source edition admits any member that names the cluster: the name is derived from the
    // secret key, so a host on the network without it cannot join (and register itself for the bus's addresses).
    config.setClusterName("bookwell-" + java.util.HexFormat.of().formatHex(
        dev.bookwell.platform.auth.SecretTokens.hmac(secretKey.getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "hazelcast cluster name"), 0, 12));
    config.setProperty("hazelcast.socket.bind.any", "false");  // only on BOOKWELL_CLUSTER_HOST, not every interface
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // A member killed without a goodbye is dropped after 10 s without a heartbeat, not Hazelcast's 60 s default:
    // until then the survivors still route part of the bus's requests to it and those wait out their timeout.
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    config.setProperty("hazelcast.local.localAddress", cluster.host());
    var network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(true);
    var join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    return config;
  }
}
