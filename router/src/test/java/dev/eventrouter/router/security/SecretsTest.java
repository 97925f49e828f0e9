package dev.eventrouter.router.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.queues.delivery.EnvironmentSecrets;
import dev.eventrouter.queues.delivery.Secrets;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.archive.ArchiveKeys;
import dev.eventrouter.router.archive.ArchiveSettings;
import dev.eventrouter.router.archive.ArchiveStore;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.profiles.ProfileFileSystemSetting;
import software.amazon.awssdk.utils.SystemSetting;

/**
 * A destination's credential, named in the registry and kept in the secrets folder, reaches the
 * destination and nowhere else: not the journal, the archive, a trace, the registry as the API
 * shows it, the metrics or the logs.
 */
@ExtendWith(LogCapturingExtension.class)
class SecretsTest {

  private static final String SECRET = "Bearer s3cr3t-0f-the-h00k-9d2f";
  private static final String TOKEN = "operate-token-0123456789";

  @TempDir Path dataDir;

  @Test
  void aSecretHeaderIsSentAndFoundNowhereElse() throws Exception {
    List<String> authorizations = new CopyOnWriteArrayList<>();
    HttpServer failing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    failing.createContext(
        "/hook",
        exchange -> {
          authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(503, -1);
          exchange.close();
        });
    failing.start();
    Path secrets = Files.createDirectories(dataDir.resolve("secrets"));
    Files.writeString(secrets.resolve("HOOK_TOKEN"), SECRET + "\n");
    Path registry = dataDir.resolve("registry.conf");
    Files.writeString(
        registry,
        """
        destinations {
          hook {
            endpoint = "http://127.0.0.1:%d/hook"
            expire-after = 2s
            headers { Authorization { secret = HOOK_TOKEN } }
          }
        }
        sources { shop { destinations = [hook] } }
        """
            .formatted(failing.getAddress().getPort()));
    int s3Port = TestRouter.freePort();
    Config config =
        TestRouter.config(
            dataDir,
            registry,
            Map.of(
                "eventrouter.secrets.dir", secrets.toString(),
                "eventrouter.archive.embedded.port", s3Port,
                "eventrouter.admin.operate-token", TOKEN));
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    try (Router router = TestRouter.start(config)) {
      EventProducer.run(
          new EventProducer.Plan(
              router.kafkaBootstrapServers(), "events", 5, List.of("shop"), 100, 0, 1));
      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(200),
          () -> {
            assertThat(Metrics.value(get(router, "/metrics"), "eventrouter_jobs_archived_total"))
                .isEqualTo(5);
            return null;
          });

      // sent: every attempt carried the secret's value
      assertThat(authorizations).isNotEmpty().allSatisfy(a -> assertThat(a).isEqualTo(SECRET));
      // the journal holds the reference, never the value
      List<String> payloads = journalPayloads(config);
      assertThat(payloads).anySatisfy(p -> assertThat(p).contains("{{secret:HOOK_TOKEN}}"));
      assertThat(payloads).noneSatisfy(p -> assertThat(p).contains("s3cr3t"));
      // the archive too
      List<String> archived = archived(config, s3Port);
      assertThat(archived)
          .isNotEmpty()
          .allSatisfy(
              o -> assertThat(o).contains("{{secret:HOOK_TOKEN}}").doesNotContain("s3cr3t"));
      // the operator API, the metrics
      String jobId = archived.get(0).replaceAll("(?s).*?\"id\":\"([^\"]+)\".*", "$1");
      assertThat(get(router, "/admin/pairs/shop/hook/jobs/" + jobId))
          .contains("archived")
          .doesNotContain("s3cr3t");
      assertThat(get(router, "/admin/pairs/shop/hook")).doesNotContain("s3cr3t");
      assertThat(get(router, "/metrics")).doesNotContain("s3cr3t");
    } finally {
      root.detachAppender(logs);
      failing.stop(0);
    }
    // and the logs, from start to stop
    assertThat(logs.list)
        .isNotEmpty()
        .noneSatisfy(
            line ->
                assertThat(line.getFormattedMessage() + line.getThrowableProxy())
                    .contains("s3cr3t"));
  }

  /**
   * Whoever holds an operate token holds the registry, not the router's own settings nor the
   * destinations' credentials: a registry naming a variable of the router's environment sends
   * nothing, and one sending a bound secret to another origin is refused unless the move is
   * acknowledged, which the audit log records.
   */
  @Test
  void aReplacedRegistryCanNeitherNameTheRoutersVariablesNorMoveASecretUnacknowledged()
      throws Exception {
    assertThat(System.getenv("HOME")).as("this test reads variables every process has").isNotNull();
    assertThat(System.getenv("PATH")).isNotNull();
    List<String> sentToOwner = new CopyOnWriteArrayList<>();
    List<Map<String, List<String>>> sentToOther = new CopyOnWriteArrayList<>();
    HttpServer owner =
        server(exchange -> sentToOwner.add(exchange.getRequestHeaders().getFirst("Authorization")));
    HttpServer other =
        server(exchange -> sentToOther.add(Map.copyOf(exchange.getRequestHeaders())));
    String ownerUrl = "http://127.0.0.1:" + owner.getAddress().getPort();
    String otherUrl = "http://127.0.0.1:" + other.getAddress().getPort();
    Path secrets = Files.createDirectories(dataDir.resolve("secrets"));
    Files.writeString(secrets.resolve("HOOK_TOKEN"), SECRET + "\n");
    Path registry = dataDir.resolve("registry.conf");
    String hook =
        "hook { endpoint = \""
            + ownerUrl
            + "/hook\", headers { Authorization { secret = HOOK_TOKEN } } }";
    Files.writeString(
        registry, "destinations { " + hook + " }\nsources { shop { destinations = [hook] } }");
    Config config =
        TestRouter.config(
            dataDir,
            registry,
            Map.of(
                "eventrouter.secrets.dir", secrets.toString(),
                "eventrouter.archive.embedded.port", TestRouter.freePort(),
                "eventrouter.admin.operate-token", TOKEN));
    ListAppender<ILoggingEvent> audit = new ListAppender<>();
    audit.start();
    Logger auditLogger = (Logger) LoggerFactory.getLogger("eventrouter.audit");
    auditLogger.addAppender(audit);
    try (Router router = TestRouter.start(config)) {
      // the router's environment, named as secrets of a destination on the caller's own server,
      // with the secrets folder set (and without these files in it)
      HttpResponse<String> named =
          put(
              router,
              "",
              "destinations { "
                  + hook
                  + "\n"
                  + """
           mine {
             endpoint = "%s/mine"
             headers { X-Home { secret = HOME }, X-Path { secret = PATH } }
           }
          }
          sources { shop { destinations = [hook, mine] } }
          """
                      .formatted(otherUrl));
      assertThat(named.statusCode()).as(named.body()).isEqualTo(200);
      EventProducer.run(
          new EventProducer.Plan(
              router.kafkaBootstrapServers(), "events", 3, List.of("shop"), 100, 0, 1));
      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(200),
          () -> {
            assertThat(sentToOwner).hasSizeGreaterThanOrEqualTo(3);
            assertThat(sentToOther.isEmpty() ? get(router, "/admin/pairs/shop/mine") : "sent")
                .satisfiesAnyOf(
                    body -> assertThat(body).contains("secret-missing"),
                    body -> assertThat(body).isEqualTo("sent"));
            return null;
          });
      assertThat(sentToOwner).allSatisfy(a -> assertThat(a).isEqualTo(SECRET));
      assertThat(sentToOther).as("no variable of the router's environment is a secret").isEmpty();

      // a bound secret sent elsewhere: by its destination's endpoint, a source's own endpoint,
      // another destination; and after the registry dropped it for a while
      Map<String, String> moves =
          Map.of(
              "moved",
                  "destinations { hook { endpoint = \""
                      + otherUrl
                      + "/hook\", headers { Authorization { secret = HOOK_TOKEN } } } }\n"
                      + "sources { shop { destinations = [hook] } }",
              "by a source",
                  "destinations { "
                      + hook
                      + " }\n"
                      + "sources { shop { destinations = [{ id = hook, endpoint = \""
                      + otherUrl
                      + "/x\" }] } }",
              "copied",
                  "destinations { "
                      + hook
                      + "\n copy { endpoint = \""
                      + otherUrl
                      + "/c\", headers { X-Token { secret = HOOK_TOKEN } } } }\n"
                      + "sources { shop { destinations = [hook, copy] } }");
      assertThat(
              put(
                      router,
                      "",
                      "destinations { plain { endpoint = \""
                          + ownerUrl
                          + "/p\" } }\n"
                          + "sources { shop { destinations = [plain] } }")
                  .statusCode())
          .as("the secret named nowhere")
          .isEqualTo(200);
      for (Map.Entry<String, String> move : moves.entrySet()) {
        HttpResponse<String> refused = put(router, "", move.getValue());
        assertThat(refused.statusCode()).as(move.getKey()).isEqualTo(409);
        assertThat(refused.body())
            .as(move.getKey())
            .contains("HOOK_TOKEN", ownerUrl, otherUrl, "acknowledge-secret-move=HOOK_TOKEN")
            .doesNotContain("s3cr3t");
      }
      assertThat(
              put(router, "?acknowledge-secret-move=OTHER_NAME", moves.get("moved")).statusCode())
          .as("acknowledging another secret's move")
          .isEqualTo(409);

      HttpResponse<String> acknowledged =
          put(router, "?acknowledge-secret-move=HOOK_TOKEN", moves.get("moved"));
      assertThat(acknowledged.statusCode()).as(acknowledged.body()).isEqualTo(200);
      assertThat(audit.list)
          .anySatisfy(
              line ->
                  assertThat(line.getFormattedMessage())
                      .contains("move-secret", "admin", "HOOK_TOKEN", ownerUrl, otherUrl));
    } finally {
      auditLogger.detachAppender(audit);
      owner.stop(0);
      other.stop(0);
    }
    assertThat(audit.list)
        .noneSatisfy(line -> assertThat(line.getFormattedMessage()).contains("s3cr3t"));
  }

  /**
   * Every environment variable the router reads (its configuration files and every reference.conf
   * on the classpath, {@code System.getenv} in its code, the AWS SDK's settings, the JVM's) is
   * refused as a secret, with and without a secrets folder: found, not listed by hand, so that a
   * new setting cannot slip through.
   */
  @Test
  void noVariableTheRouterReadsCanBeNamedAsASecret() throws Exception {
    Set<String> variables = routersVariables();
    assertThat(variables)
        .contains(
            "ROUTER_JOURNAL_PASSWORD",
            "ROUTER_ADMIN_TOKEN",
            "ROUTER_ADMIN_READ_TOKEN",
            "ROUTER_S3_SECRET_ACCESS_KEY",
            "ROUTER_S3_EMBEDDED_SECRET_ACCESS_KEY",
            "ROUTER_SECRETS_DIR",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "JAVA_TOOL_OPTIONS");
    Path emptyFolder = Files.createDirectories(dataDir.resolve("secrets"));
    Function<String, String> environment =
        name -> variables.contains(name) ? "value-of-" + name : null;

    for (Config config :
        List.of(
            ConfigFactory.load(),
            ConfigFactory.parseMap(Map.of("eventrouter.secrets.dir", emptyFolder.toString()))
                .withFallback(ConfigFactory.load()))) {
      Secrets secrets = EnvironmentSecrets.fromConfig(config, environment);
      assertThat(variables).allSatisfy(name -> assertThat(secrets.value(name)).as(name).isEmpty());
      // and what the prefix is for: a variable meant as a secret is found
      assertThat(
              EnvironmentSecrets.fromConfig(
                      config,
                      Map.of(config.getString("eventrouter.secrets.env-prefix") + "GA_TOKEN", "ga")
                          ::get)
                  .value("GA_TOKEN"))
          .contains("ga");
    }
  }

  private static Set<String> routersVariables() throws Exception {
    Set<String> names = new TreeSet<>();
    Pattern substitution = Pattern.compile("\\$\\{\\??\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}");
    Pattern getenv = Pattern.compile("getenv\\(\"([A-Za-z_][A-Za-z0-9_]*)\"\\)");
    List<String> texts = new ArrayList<>();
    for (URL url :
        Collections.list(SecretsTest.class.getClassLoader().getResources("reference.conf"))) {
      try (var in = url.openStream()) {
        texts.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    try (Stream<Path> files = Files.walk(Path.of("..").toRealPath())) {
      for (Path file :
          files
              .filter(f -> f.toString().contains("/src/main/"))
              .filter(f -> f.toString().endsWith(".conf") || f.toString().endsWith(".java"))
              .toList()) {
        texts.add(Files.readString(file));
      }
    }
    for (String text : texts) {
      for (Pattern pattern : List.of(substitution, getenv)) {
        Matcher m = pattern.matcher(text);
        while (m.find()) {
          // a substitution of a setting (${eventrouter.x}) is not a variable; one of a variable is
          // upper case by convention
          if (m.group(1).equals(m.group(1).toUpperCase(Locale.ROOT))) {
            names.add(m.group(1));
          }
        }
      }
    }
    for (SystemSetting setting :
        List.<SystemSetting[]>of(SdkSystemSetting.values(), ProfileFileSystemSetting.values())
            .stream()
            .flatMap(Arrays::stream)
            .toList()) {
      if (setting.environmentVariable() != null) {
        names.add(setting.environmentVariable());
      }
    }
    // the JVM's own, read before any code of ours
    names.addAll(
        List.of(
            "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "JAVA_HOME", "CLASSPATH"));
    return names;
  }

  private static HttpServer server(
      java.util.function.Consumer<com.sun.net.httpserver.HttpExchange> record) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          record.accept(exchange);
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    return server;
  }

  private static HttpResponse<String> put(Router router, String query, String registry)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + router.httpPort() + "/admin/registry" + query))
                .header("Authorization", "Bearer " + TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString(registry))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> journalPayloads(Config config) throws Exception {
    JournalSettings journal = JournalSettings.fromConfig(config);
    List<String> payloads = new ArrayList<>();
    try (Connection c =
            DriverManager.getConnection(journal.url(), journal.user(), journal.password());
        ResultSet rows =
            c.createStatement().executeQuery("SELECT event_payload FROM event_journal")) {
      while (rows.next()) {
        payloads.add(new String(rows.getBytes(1), StandardCharsets.ISO_8859_1));
      }
    }
    return payloads;
  }

  private static List<String> archived(Config config, int s3Port) throws Exception {
    ArchiveSettings settings =
        ArchiveSettings.fromConfig(config, Path.of(config.getString("eventrouter.data-dir")));
    try (ArchiveStore store =
        ArchiveStore.connect(settings, URI.create("http://127.0.0.1:" + s3Port))) {
      ArchiveKeys keys = new ArchiveKeys(settings.prefix());
      List<String> objects = new ArrayList<>();
      for (String key : store.keys(keys.pairPrefix(new PairId("shop", "hook")))) {
        try (var in =
            new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(store.get(key)))) {
          objects.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
      return objects;
    }
  }

  private static String get(Router router, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
