package dev.bookwell.platform;

import dev.bookwell.platform.config.Config;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/**
 * The Hazelcast side of {@code BOOKWELL_CLUSTER=hazelcast}. Hazelcast only keeps the cluster's membership and the
 * event bus's subscriber lists here: no booking state lives in it (PostgreSQL is the one source of truth), so
 * losing a member loses nothing but that member's requests in flight.
 */
public final class ClusterConfig {

  private ClusterConfig() {
  }

  public static com.hazelcast.config.Config hazelcast(Config.Cluster cluster) {
    var config = ConfigUtil.loadConfig();  // vertx-hazelcast's maps and multimaps, with their backups
    config.setClusterName("bookwell");
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
