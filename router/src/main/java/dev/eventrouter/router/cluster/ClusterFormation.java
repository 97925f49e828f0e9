package dev.eventrouter.router.cluster;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node becomes a member of the router's cluster ({@code eventrouter.cluster.bootstrap}), and
 * the management server that answers Kubernetes' probes.
 */
public final class ClusterFormation {

  private static final Logger log = LoggerFactory.getLogger(ClusterFormation.class);

  public enum Bootstrap {
    NONE,
    KUBERNETES;

    static Bootstrap parse(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "eventrouter.cluster.bootstrap must be none or kubernetes, not \"" + value + "\"", e);
      }
    }
  }

  public record Settings(Bootstrap bootstrap, boolean management, Duration joinTimeout) {

    public static Settings fromConfig(Config config) {
      Config cluster = config.getConfig("eventrouter.cluster");
      Bootstrap bootstrap = Bootstrap.parse(cluster.getString("bootstrap"));
      return new Settings(
          bootstrap,
          bootstrap == Bootstrap.KUBERNETES || cluster.getBoolean("management"),
          cluster.getDuration("join-timeout"));
    }
  }

  private ClusterFormation() {}

  /**
   * Starts the management server if the settings ask for it, then makes this node a member: with
   * bootstrap, returns once it is Up (sharded entities can then be reached), or throws after the
   * join timeout.
   */
  public static void join(ActorSystem<?> system, Settings settings) {
    if (settings.management()) {
      // a port already taken fails the start here, not silently later
      String uri =
          await(
                  PekkoManagement.get(system).start().toCompletableFuture(),
                  Duration.ofSeconds(30),
                  "the management server did not start")
              .toString();
      log.info("management server (/ready, /alive) on {}", uri);
    }
    switch (settings.bootstrap()) {
      case NONE -> {
        Cluster cluster = Cluster.get(system);
        if (system.settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty()) {
          cluster.manager().tell(Join.create(cluster.selfMember().address()));
        }
      }
      case KUBERNETES -> {
        CompletableFuture<Void> up = new CompletableFuture<>();
        org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system))
            .registerOnMemberUp(() -> up.complete(null));
        ClusterBootstrap.get(system).start();
        await(
            up,
            settings.joinTimeout(),
            "this node did not join the cluster within "
                + settings.joinTimeout()
                + ": are at least pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"
                + " router pods running, and may their service account list pods?");
        log.info("joined the cluster as {}", Cluster.get(system).selfMember());
      }
    }
  }

  private static <T> T await(CompletableFuture<T> future, Duration timeout, String failure) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(failure, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(failure + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting", e);
    }
  }
}
