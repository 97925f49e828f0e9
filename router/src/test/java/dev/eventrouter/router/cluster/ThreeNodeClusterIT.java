package dev.eventrouter.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.loadtest.run.RouterProcess;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.router.kafka.EmbeddedKafka;
import dev.eventrouter.router.testing.DeliveryAudit;
import dev.eventrouter.router.testing.Metrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three router processes (separate JVMs, the packaged jar) form one cluster on loopback, fed by one
 * topic of a broker of their own and sharing a PostgreSQL journal. Under load one is killed with
 * SIGKILL and, once the split brain resolver has downed it, another leaves on SIGTERM; the audit
 * finds every acknowledged event delivered.
 *
 * <p>The order matters, and is what operators must do too: a node that leaves while a dead one is
 * not yet downed leaves two members, one unreachable, and keep-majority then keeps the side with
 * the lowest address, which may be the dead one (a run of this test did just that: the survivor
 * downed itself).
 */
@ExtendWith(LogCapturingExtension.class)
class ThreeNodeClusterIT {

  private static final List<String> SOURCES =
      IntStream.rangeClosed(1, 12).mapToObj(n -> "cluster-source-" + n).toList();
  private static final int EVENTS = 6_000;

  @TempDir Path dir;

  @Test
  void sharesTheLoadAndLosesNothingWhenANodeIsKilledAndAnotherLeaves() throws Exception {
    Config journal = TestJournals.postgresEmptied();
    Config brokerConfig =
        ConfigFactory.parseMap(
            Map.of(
                "host",
                "127.0.0.1",
                "port",
                RouterProcess.freePort(),
                "controller-port",
                RouterProcess.freePort(),
                "message-max-bytes",
                "8MiB"));
    Path jar = Path.of(System.getProperty("router.jar"));
    try (EmbeddedKafka broker = EmbeddedKafka.start(brokerConfig, dir.resolve("broker"));
        BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = dir.resolve("registry.conf");
      Files.writeString(
          registry,
          "destinations { hook { endpoint = \""
              + blackHole.url("hook")
              + "\" }, "
              + "crm { endpoint = \""
              + blackHole.url("crm")
              + "\" } }\nsources { "
              + SOURCES.stream()
                  .map(
                      s -> s + " { destinations = [hook" + (s.endsWith("1") ? ", crm" : "") + "] }")
                  .collect(Collectors.joining("\n"))
              + " }\n");
      int seedPort = RouterProcess.freePort();
      Map<String, String> common =
          new HashMap<>(
              Map.of(
                  "ROUTER_REGISTRY_FILE", registry.toString(),
                  "ROUTER_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                  "ROUTER_JOURNAL_DATABASE", "postgres",
                  "ROUTER_JOURNAL_URL", journal.getString("eventrouter.journal.url"),
                  "ROUTER_JOURNAL_USER", journal.getString("eventrouter.journal.user"),
                  // fewer partitions than nodes x 3: each node's share of shards moves when one
                  // goes
                  "ROUTER_KAFKA_PARTITIONS", "4",
                  // every node, the seed included, joins the first: one cluster, whichever starts
                  // first
                  "JAVA_TOOL_OPTIONS",
                      "-Dpekko.cluster.seed-nodes.0=pekko://eventrouter@127.0.0.1:" + seedPort));
      List<RouterProcess> nodes = new ArrayList<>();
      List<Integer> managementPorts = new ArrayList<>();
      try {
        for (int n = 1; n <= 3; n++) {
          Map<String, String> environment = new HashMap<>(common);
          // the management server's /cluster/members tells who is Up and who is unreachable
          int managementPort = RouterProcess.freePort();
          managementPorts.add(managementPort);
          environment.put("ROUTER_MANAGEMENT", "on");
          environment.put("ROUTER_MANAGEMENT_PORT", Integer.toString(managementPort));
          if (n == 1) {
            environment.put("ROUTER_CLUSTER_PORT", Integer.toString(seedPort));
          }
          Path home = dir.resolve("node-" + n);
          Files.createDirectories(home);
          nodes.add(new RouterProcess(jar, home, environment).start());
        }
        for (RouterProcess node : nodes) {
          node.awaitReady(Duration.ofSeconds(180));
        }

        long started = System.nanoTime();
        CompletableFuture<EventProducer.Result> producing =
            CompletableFuture.supplyAsync(
                () ->
                    EventProducer.run(
                        new EventProducer.Plan(
                            broker.bootstrapServers(), "events", EVENTS, SOURCES, 512, 150, 21)));
        List<Map<String, Object>> faults = new ArrayList<>();

        RouterProcess.await(
            "1,000 deliveries", Duration.ofSeconds(120), () -> blackHole.received() >= 1_000);
        // the consumer group spreads the partitions once it has rebalanced for the last node to
        // join, which may come after the first thousand deliveries: awaited, not assumed
        RouterProcess.await(
            "jobs accepted by at least two nodes' ingest: the load is shared",
            Duration.ofSeconds(120),
            () -> nodes.stream().filter(node -> accepted(node) > 0).count() >= 2);
        List<Double> acceptedPerNode = nodes.stream().map(ThreeNodeClusterIT::accepted).toList();

        Map<String, Object> kill = DeliveryAudit.fault("SIGKILL node 2", started);
        kill.put("acceptedPerNodeBefore", acceptedPerNode);
        faults.add(kill);
        long receivedAtKill = blackHole.received();
        nodes.get(1).kill();
        RouterProcess.await(
            "deliveries after the kill",
            Duration.ofSeconds(120),
            () -> blackHole.received() > receivedAtKill + 500);
        faults.add(DeliveryAudit.fault("500 deliveries after the kill", started));
        RouterProcess.await(
            "node 2 downed and removed",
            Duration.ofSeconds(120),
            () -> clusterOf(managementPorts.get(0)).equals(new Cluster(2, 0)));
        faults.add(DeliveryAudit.fault("node 2 downed by the split brain resolver", started));

        Map<String, Object> leave = DeliveryAudit.fault("SIGTERM node 3: graceful leave", started);
        int exit = nodes.get(2).terminate(Duration.ofSeconds(90));
        leave.put("exitCode", exit);
        leave.put(
            "secondsToLeave",
            (System.nanoTime() - started) / 1e9 - (double) leave.get("atSeconds"));
        faults.add(leave);
        assertThat(exit).as("node 3 left and stopped on SIGTERM").isEqualTo(143);

        EventProducer.Result produced = producing.get();
        DeliveryAudit.Report report =
            DeliveryAudit.audit(
                "three-node-cluster",
                produced,
                source -> source.endsWith("1") ? List.of("hook", "crm") : List.of("hook"),
                DeliveryAudit.of(blackHole),
                Duration.ofSeconds(240),
                started,
                faults);

        assertThat(produced.failed()).isZero();
        assertThat(report.lost()).as("lost, first of them: " + report.missing()).isZero();
        assertThat(nodes.get(0).ready()).as("node 1 carries on").isTrue();
        assertThat(clusterOf(managementPorts.get(0))).isEqualTo(new Cluster(1, 0));
      } finally {
        nodes.forEach(RouterProcess::close);
      }
    }
  }

  /** The node's eventrouter_jobs_accepted_total; 0 if it does not answer. */
  private static double accepted(RouterProcess node) {
    try {
      String metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + node.httpPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      return Metrics.value(metrics, "eventrouter_jobs_accepted_total");
    } catch (Exception e) {
      return 0;
    }
  }

  /** Members and unreachable members, as a node's management server reports them. */
  record Cluster(int members, int unreachable) {}

  private static Cluster clusterOf(int managementPort) {
    try {
      JsonNode cluster =
          new ObjectMapper()
              .readTree(
                  HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(
                                  URI.create(
                                      "http://127.0.0.1:" + managementPort + "/cluster/members"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body());
      return new Cluster(cluster.get("members").size(), cluster.get("unreachable").size());
    } catch (Exception notAnswering) {
      return new Cluster(-1, -1);
    }
  }
}
