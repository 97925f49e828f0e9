package dev.eventrouter.router.registry;

import static java.util.stream.Collectors.joining;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.adapter.AmplitudeAdapter;
import dev.eventrouter.queues.adapter.Batching;
import dev.eventrouter.queues.adapter.MixpanelAdapter;
import dev.eventrouter.queues.adapter.WebhookAdapter;
import dev.eventrouter.router.filter.Condition;
import dev.eventrouter.router.filter.FieldPath;
import dev.eventrouter.router.filter.FieldValue;
import dev.eventrouter.router.filter.RouteFilter;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryLoaderTest {

  private static final Config DEFAULTS =
      ConfigFactory.load().getConfig("eventrouter.registry.destination-defaults");

  @Test
  void readsSourcesDestinationsAndTheirSettings() {
    Registry registry =
        parse(
            """
        destinations {
          ga { endpoint = "https://www.google-analytics.com/collect", timeout = 3s,
               retry { base = 2s }, headers { "X-Api-Key" = "k" } }
          hook { endpoint = "http://hooks.example.com/in", max-in-flight-per-pair = 4 }
          old { endpoint = "http://old.example.com", enabled = false }
        }
        sources {
          s1 { destinations = [ga, { id = hook, endpoint = "https://customer.example.com/s1", rate-per-pair = 7 }] }
          s2 { destinations = [hook, old, { id = ga, enabled = false }] }
          s3 { destinations = [] }
        }
        """);

    assertThat(registry.routesOf("s1"))
        .extracting(r -> r.destination().id(), r -> r.endpoint().toString())
        .containsExactly(
            tuple("ga", "https://www.google-analytics.com/collect"),
            tuple("hook", "https://customer.example.com/s1"));
    assertThat(registry.routesOf("s2"))
        .extracting(r -> r.destination().id())
        .containsExactly("hook");
    assertThat(registry.knowsSource("s3")).isTrue();
    assertThat(registry.routesOf("s3")).isEmpty();
    assertThat(registry.knowsSource("s4")).isFalse();

    Destination ga = registry.destination("ga").orElseThrow();
    assertThat(ga.delivery().timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(ga.delivery().retry().base()).isEqualTo(Duration.ofSeconds(2));
    assertThat(ga.delivery().retry().cap()).isEqualTo(DEFAULTS.getDuration("retry.cap"));
    assertThat(ga.delivery().maxInFlightPerPair())
        .isEqualTo(DEFAULTS.getInt("max-in-flight-per-pair"));
    assertThat(ga.headers()).containsEntry("X-Api-Key", "k");
    assertThat(registry.destination("hook").orElseThrow().delivery().maxInFlightPerPair())
        .isEqualTo(4);
    assertThat(registry.destination("old")).isPresent();

    SettingsRegistry settings = new SettingsRegistry(registry, PairOverrides.NONE);
    assertThat(settings.find(new PairId("s1", "hook")).orElseThrow().ratePerSecond()).isEqualTo(7);
    assertThat(settings.find(new PairId("s2", "hook")).orElseThrow().ratePerSecond())
        .isEqualTo(DEFAULTS.getInt("rate-per-pair"));
    assertThat(settings.find(new PairId("s2", "old"))).as("disabled, still known").isPresent();
    assertThat(settings.find(new PairId("s2", "nowhere"))).isEmpty();
    assertThat(ga.delivery().breaker().openFor())
        .isEqualTo(DEFAULTS.getDuration("breaker.open-for"));
  }

  @Test
  void reportsEveryMistakeWithItsPlace() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        destinations {
          nourl { timeout = 1s }
          ftp { endpoint = "ftp://files.example.com" }
          "bad|id" { endpoint = "http://x.example.com" }
          slow { endpoint = "http://x.example.com", timeout = -1s }
          ok { endpoint = "http://ok.example.com" }
        }
        sources {
          s1 { destinations = [ghost, ftp] }
          s2 { destinations = "ga" }
          s3 { destinations = [ok, ok] }
        }
        """))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining("destinations.nourl")
        .hasMessageContaining("destinations.ftp.endpoint: must be an absolute http or https URL")
        .hasMessageContaining("destinations.bad|id: id must match")
        .hasMessageContaining("destinations.slow: destination slow: timeout must be positive")
        .hasMessageContaining("sources.s1.destinations[0]: unknown destination 'ghost'")
        .hasMessageContaining("sources.s2: must have a list `destinations`")
        .hasMessageContaining("sources.s3.destinations[1]: destination 'ok' is listed twice");
  }

  /**
   * Each id may be 128 characters, but a pair's queue is journaled under its type and the pair's
   * id, in a column of 255: a route whose pair id is longer is refused, not accepted and then never
   * written (its queue failing every write, and the ingest stopping behind it).
   */
  @Test
  void aRouteWhosePairIdTheJournalCannotHoldIsRefused() {
    String longest = "s".repeat(128);
    String fits = "d".repeat(VirtualQueue.MAX_PAIR_ID_LENGTH - 129);
    String tooLong = "e".repeat(VirtualQueue.MAX_PAIR_ID_LENGTH - 128);

    assertThat(
            parse(
                    """
                    destinations { %s { endpoint = "http://a.example.com" } }
                    sources { %s { destinations = [%s] } }
                    """
                        .formatted(fits, longest, fits))
                .routesOf(longest))
        .singleElement()
        .satisfies(
            route ->
                assertThat(("VirtualQueue|" + route.pair().entityId()).length()).isEqualTo(255));
    assertThatThrownBy(
            () ->
                parse(
                    """
                    destinations { %s { endpoint = "http://a.example.com" } }
                    sources { %s { destinations = [%s] } }
                    """
                        .formatted(tooLong, longest, tooLong)))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining(
            "sources."
                + longest
                + ".destinations[0]: the pair's id ("
                + (VirtualQueue.MAX_PAIR_ID_LENGTH + 1)
                + " characters");
  }

  /**
   * An endpoint no request could go to is refused when the registry loads, named with its place and
   * its mistake, rather than discarding every job at delivery; never with its text, which may hold
   * a credential.
   */
  @Test
  void refusesEveryEndpointNoRequestCanGoTo(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("registry.conf");
    Files.writeString(
        file,
        """
        destinations {
          spaced { endpoint = "http://hooks example.com/in" }
          ftp { endpoint = "ftp://files.example.com/in" }
          hostless { endpoint = "https:///in" }
          underscored { endpoint = "http://hooks_1.example.com/in" }
          far { endpoint = "http://hooks.example.com:99999/in" }
          zero { endpoint = "http://hooks.example.com:0/in" }
          signed { endpoint = "https://hook-user:s3cr3t-pw@hooks.example.com/in" }
          ok { endpoint = "https://hooks.example.com:8443/in" }
        }
        sources { s { destinations = [{ id = ok, endpoint = "http://customer.example.com:65536/s" }] } }
        """);

    assertThatThrownBy(() -> RegistryLoader.load(file, DEFAULTS))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining(
            "destinations.spaced.endpoint: not a URL: Illegal character in authority")
        .hasMessageContaining("destinations.ftp.endpoint: must be an absolute http or https URL")
        .hasMessageContaining(
            "destinations.hostless.endpoint: must be an absolute http or https URL with a host")
        .hasMessageContaining(
            "destinations.underscored.endpoint: must be an absolute http or https URL with a host")
        .hasMessageContaining("destinations.far.endpoint: port 99999 does not exist")
        .hasMessageContaining("destinations.zero.endpoint: port 0 does not exist")
        .hasMessageContaining("destinations.signed.endpoint: must not hold a user or password")
        .hasMessageContaining("sources.s.destinations[0].endpoint: port 65536 does not exist")
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .doesNotContain("s3cr3t")
                    .doesNotContain("destinations.ok"));
  }

  @Test
  void refusesAnOrderingItCannotKeep() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        destinations {
          sorted { endpoint = "http://x.example.com", ordering = sorted }
          keyless { endpoint = "http://x.example.com", ordering = per-key, ordering-key = [] }
          dotty { endpoint = "http://x.example.com", ordering = per-key, ordering-key = ["a..b"] }
          fine { endpoint = "http://x.example.com", ordering = per-key }
        }
        sources { s { destinations = [fine] } }
        """))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining("destinations.sorted.ordering: 'sorted' is none or per-key")
        .hasMessageContaining(
            "destinations.keyless.ordering-key: per-key ordering needs the fields of its key")
        .hasMessageContaining("destinations.dotty.ordering-key: field path 'a..b'")
        .message()
        .doesNotContain("destinations.fine");
  }

  @Test
  void refusesAMissingFile(@TempDir Path dir) {
    assertThatThrownBy(() -> RegistryLoader.load(dir.resolve("none.conf"), DEFAULTS))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void refusesAFileThatIsNotHocon(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("registry.conf");
    Files.writeString(file, "destinations { a = { endpoint = ");

    assertThatThrownBy(() -> RegistryLoader.load(file, DEFAULTS))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining("registry.conf");
  }

  @Test
  void loadsTheShippedExample() {
    Registry registry = RegistryLoader.load(Path.of("../examples/registry.conf"), DEFAULTS);

    assertThat(registry.routes()).isNotEmpty();
    registry.routes().values().forEach(routes -> assertThat(routes).isNotEmpty());
  }

  /**
   * A header the HTTP layer would drop (and log with its value) is refused with the registry,
   * saying where and what, never the value; so is an endpoint the HTTP layer cannot send to.
   */
  @Test
  void refusesHeadersAndEndpointsThatCannotBeSent() {
    String text =
        """
        destinations {
          a { endpoint = "http://a.example.com/", headers { X-Key = "k3y-0ne\\r\\nX-Injected: 1" } }
          b { endpoint = "http://b.example.com/", headers { X-Key = "k3y-tw0\\u0000" } }
          c { endpoint = "http://c.example.com/", headers { X-Key = "k3y-thr\\u00e9e" } }
          d { endpoint = "http://d.example.com/", headers { "X Key" = "v" } }
          e { endpoint = "http://e.example.com/\\u00e9t\\u00e9" }
          f { endpoint = "http://f.example.com/", headers { Content-Type = "not a media type" } }
        }
        sources { s { destinations = [{ id = a, endpoint = "http://x.example.com/\\u00e9" }] } }
        """;
    assertThatThrownBy(() -> RegistryLoader.parseText(text, DEFAULTS))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining("destinations.a.headers.X-Key: it holds a line break")
        .hasMessageContaining("destinations.b.headers.X-Key: it holds a control character")
        .hasMessageContaining(
            "destinations.c.headers.X-Key: it holds a character that is not ASCII")
        .hasMessageContaining("destinations.d.headers.X Key: a header name is")
        .hasMessageContaining("destinations.e.endpoint: must be ASCII")
        .hasMessageContaining("destinations.f.headers.Content-Type: not a media type")
        .hasMessageContaining("sources.s.destinations[0].endpoint: must be ASCII")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("k3y"));
  }

  @Test
  void loadsTheShippedSegmentExample() {
    Registry registry = RegistryLoader.load(Path.of("../examples/segment-registry.conf"), DEFAULTS);

    assertThat(registry.writeKeys()).isEqualTo(Map.of("source-1", List.of("SOURCE_1_WRITE_KEY")));
    assertThat(registry.routesOf("source-1")).isNotEmpty();
  }

  /** Write keys are secrets by name: never a literal, never one key for two sources. */
  @Test
  void readsWriteKeysAsSecretsAndRefusesTheRest() {
    Registry registry =
        parse(
            """
        destinations { a { endpoint = "http://a.example.com/" } }
        sources {
          s { destinations = [a], write-keys = [{ secret = S_KEY }, { secret = S_KEY_NEXT }] }
          t { destinations = [a] }
        }
        """);
    assertThat(registry.writeKeys()).isEqualTo(Map.of("s", List.of("S_KEY", "S_KEY_NEXT")));

    assertThatThrownBy(
            () ->
                parse(
                    """
        destinations { a { endpoint = "http://a.example.com/" } }
        sources {
          s { destinations = [a], write-keys = ["wk-l1teral-key"] }
          t { destinations = [a], write-keys = [{ secret = SHARED }, { secret = "bad name" }] }
          u { destinations = [a], write-keys = [{ secret = SHARED }] }
          v { destinations = [a], write-keys = { secret = X } }
        }
        """))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining("sources.s.write-keys[0]: a write key is { secret = NAME }")
        .hasMessageContaining("sources.t.write-keys[1]: a secret name must match")
        .hasMessageContaining("the secret SHARED is a write key of ")
        .hasMessageContaining("sources.v.write-keys: must be a list")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("l1teral"));
  }

  /**
   * Signing keys are secrets by name, the current first; each is bound, as a header's secret is, to
   * where its signatures go.
   */
  @Test
  void readsSigningKeysAsSecretsAndBindsThemToTheirEndpoints() {
    Registry registry =
        parse(
            """
        destinations {
          hooks { endpoint = "https://hooks.example.com/in", signing { keys = [{ secret = K_2026 }, { secret = K_2025 }] } }
          plain { endpoint = "https://plain.example.com/" }
        }
        sources { s { destinations = [{ id = hooks, endpoint = "https://own.example.com/in" }, plain] } }
        """);

    assertThat(registry.destination("hooks").orElseThrow().delivery().signing().secrets())
        .containsExactly("K_2026", "K_2025");
    assertThat(registry.routesOf("s").get(0).delivery().signing().secrets())
        .containsExactly("K_2026", "K_2025");
    assertThat(registry.destination("plain").orElseThrow().delivery().signing().signs()).isFalse();
    assertThat(SecretBindings.of(registry).origins())
        .isEqualTo(
            Map.of(
                "K_2026", Set.of("https://hooks.example.com:443", "https://own.example.com:443"),
                "K_2025", Set.of("https://hooks.example.com:443", "https://own.example.com:443")));
  }

  @Test
  void refusesEverySigningMistakeWithItsPlace() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        destinations {
          a { endpoint = "http://a.example.com/", signing { keys = [] } }
          b { endpoint = "http://b.example.com/", signing { keys = ["whsec_l1teralKeyInTheRegistry"] } }
          c { endpoint = "http://c.example.com/", signing { keys = [{ secret = "bad name" }, { secret = K }, { secret = K }] } }
          d { endpoint = "http://d.example.com/", signing { keys = [{ secret = K }], secret = K } }
          e { endpoint = "http://e.example.com/", signing = [{ secret = K }] }
          f { endpoint = "http://f.example.com/", signing { keys = [{ secret = K }] }, headers { Webhook-Signature = x } }
        }
        sources {}
        """))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining("destinations.a.signing.keys: needs at least one key")
        .hasMessageContaining("destinations.b.signing.keys[0]: a signing key is { secret = NAME }")
        .hasMessageContaining("destinations.c.signing.keys[0]: a secret name must match")
        .hasMessageContaining("destinations.c.signing.keys[2]: the secret K is listed twice")
        .hasMessageContaining("destinations.d.signing: must be { keys = [{ secret = NAME }, ...] }")
        .hasMessageContaining("destinations.e.signing: must be { keys = [{ secret = NAME }, ...] }")
        .hasMessageContaining(
            "destinations.f.headers.Webhook-Signature: a signed request's own header")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("l1teral"));
  }

  /** One key for every destination would let each receiver sign as the router to the others. */
  @Test
  void refusesSigningKeysInTheDefaults() {
    Config defaults =
        ConfigFactory.parseString("signing { keys = [{ secret = K }] }").withFallback(DEFAULTS);

    assertThatThrownBy(() -> oneRouteWith(defaults))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining(
            "destination-defaults.signing: signing keys are one destination's own");
  }

  @Test
  void compilesARoutesFilterOnceAndLeavesThePlainFormCarryingEverything() {
    Registry registry =
        parse(
            """
        destinations { a { endpoint = "http://a.example.com/" }, b { endpoint = "http://b.example.com/" } }
        sources {
          s { destinations = [a, { id = b, filter {
                types = [track, page]
                events = ["Order Completed", "Checkout *"]
                where = [
                  { field = "properties.plan", in = [pro, enterprise] },
                  { field = context.app.version, exists = true },
                  { field = "properties.total", equals = 10 }
                ] } }] }
        }
        """);

    Route plain = registry.routesOf("s").get(0);
    Route filtered = registry.routesOf("s").get(1);
    assertThat(plain.filter()).isSameAs(RouteFilter.ALL);
    assertThat(filtered.filter().conditions())
        .containsExactly(
            new Condition.OneOf(
                RouteFilter.TYPE,
                Set.of(new FieldValue.Text("track"), new FieldValue.Text("page"))),
            new Condition.NameMatch(
                RouteFilter.EVENT, Set.of("Order Completed"), List.of("Checkout ")),
            new Condition.OneOf(
                FieldPath.parse("properties.plan"),
                Set.of(new FieldValue.Text("pro"), new FieldValue.Text("enterprise"))),
            new Condition.Exists(FieldPath.parse("context.app.version"), true),
            new Condition.OneOf(
                FieldPath.parse("properties.total"),
                Set.of(new FieldValue.Numeric(new BigDecimal("10.0")))));
  }

  /** A filter's every mistake refuses the registry, named down to its condition. */
  @Test
  void refusesEveryFilterMistakeWithItsPlace() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        destinations { a { endpoint = "http://a.example.com/" } }
        sources {
          types { destinations = [{ id = a, filter { types = [track, purchase] } }] }
          empty { destinations = [{ id = a, filter { types = [], events = [] } }] }
          none { destinations = [{ id = a, filter {} }] }
          keys { destinations = [{ id = a, filter { event = [x] } }] }
          star { destinations = [{ id = a, filter { events = ["Check*out"] } }] }
          tests { destinations = [{ id = a, filter { where = [
            { field = a, equals = 1, in = [1] },
            { field = b },
            { field = "c..d", exists = true },
            { equals = x },
            { field = e, exists = yes, unless = true },
            { field = f, in = [] },
            { field = g, equals = null },
            { field = h, in = [x, [y]] }
          ] } }] }
        }
        """))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining(
            "sources.types.destinations[0].filter.types[1]: unknown type 'purchase': one of [alias,")
        .hasMessageContaining(
            "sources.empty.destinations[0].filter.types: must be a non-empty list")
        .hasMessageContaining(
            "sources.empty.destinations[0].filter.events: must be a non-empty list")
        .hasMessageContaining(
            "sources.none.destinations[0].filter: must be an object with types, events or where")
        .hasMessageContaining(
            "sources.keys.destinations[0].filter.event: unknown key; a filter has [events, types, where]")
        .hasMessageContaining(
            "sources.star.destinations[0].filter.events[0]: 'Check*out': * may only end a name")
        .hasMessageContaining(
            "sources.tests.destinations[0].filter.where[0]: needs exactly one of equals, in, exists;"
                + " it has equals and in")
        .hasMessageContaining(
            "sources.tests.destinations[0].filter.where[1]: needs exactly one of equals, in, exists;"
                + " it has none")
        .hasMessageContaining(
            "sources.tests.destinations[0].filter.where[2].field: field path 'c..d':")
        .hasMessageContaining(
            "sources.tests.destinations[0].filter.where[3].field: must be a field path")
        .hasMessageContaining(
            "sources.tests.destinations[0].filter.where[4].unless: unknown key; a condition has")
        .hasMessageContaining(
            "sources.tests.destinations[0].filter.where[5].in: must be a non-empty list")
        .hasMessageContaining(
            "sources.tests.destinations[0].filter.where[6].equals: must be a text, a number, true or false")
        .hasMessageContaining(
            "sources.tests.destinations[0].filter.where[7].in[1]: must be a text, a number, true or false");
  }

  @Test
  void refusesAnExistsThatIsNotABoolean() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        destinations { a { endpoint = "http://a.example.com/" } }
        sources { s { destinations = [{ id = a, filter { where = [{ field = e, exists = 1 }] } }] } }
        """))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining(
            "sources.s.destinations[0].filter.where[0].exists: must be true or false");
  }

  @Test
  void readsEachDestinationsTypeAndItsSettings() {
    Registry registry =
        parse(
            """
        destinations {
          hooks { endpoint = "https://hooks.example.com/in" }
          batched { endpoint = "https://hooks.example.com/batch", batch { max-events = 100, max-bytes = 512k, max-wait = 200ms } }
          amp { type = amplitude, api-key = { secret = AMP_KEY }, max-batch = 10 }
          amp-eu { type = amplitude, endpoint = "https://api.eu.amplitude.com/2/httpapi", api-key = { secret = AMP_EU } }
          mp { type = mixpanel, project-id = 12345, service-account { username = "sa.name", secret = { secret = MP_SA } } }
          mp-token { type = mixpanel, project-token = { secret = MP_TOKEN } }
        }
        sources { s { destinations = [hooks, batched, amp, amp-eu, mp, mp-token] } }
        """);

    assertThat(registry.destination("hooks").orElseThrow().delivery().adapter())
        .isEqualTo(WebhookAdapter.INSTANCE);
    assertThat(registry.destination("batched").orElseThrow().delivery().adapter())
        .isEqualTo(new WebhookAdapter(new Batching(100, 512 * 1024, Duration.ofMillis(200))));
    assertThat(registry.destination("amp").orElseThrow().delivery().adapter())
        .isEqualTo(new AmplitudeAdapter(AmplitudeAdapter.DEFAULT_ENDPOINT, "AMP_KEY", 10));
    assertThat(registry.destination("amp").orElseThrow().endpoint())
        .isEqualTo(AmplitudeAdapter.DEFAULT_ENDPOINT);
    assertThat(registry.destination("amp-eu").orElseThrow().delivery().adapter())
        .isEqualTo(
            new AmplitudeAdapter(
                URI.create("https://api.eu.amplitude.com/2/httpapi"), "AMP_EU", 10));
    assertThat(registry.destination("mp").orElseThrow().delivery().adapter())
        .isEqualTo(
            new MixpanelAdapter(
                MixpanelAdapter.DEFAULT_ENDPOINT,
                "12345",
                new MixpanelAdapter.ServiceAccount("sa.name", "MP_SA"),
                2000));
    assertThat(registry.destination("mp-token").orElseThrow().delivery().adapter())
        .isEqualTo(
            new MixpanelAdapter(
                MixpanelAdapter.DEFAULT_ENDPOINT,
                null,
                new MixpanelAdapter.ProjectToken("MP_TOKEN"),
                2000));
    // an API's credential is bound to its endpoint, as a header's secret is
    assertThat(SecretBindings.of(registry).origins())
        .containsEntry("AMP_KEY", Set.of("https://api2.amplitude.com:443"))
        .containsEntry("MP_SA", Set.of("https://api.mixpanel.com:443"));
  }

  @Test
  void refusesEveryAdapterMistakeWithItsPlace() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        destinations {
          a { type = segment, endpoint = "https://a.example.com/" }
          b { type = amplitude }
          c { type = amplitude, api-key = "l1teralApiKey" }
          d { type = amplitude, api-key = { secret = K }, headers { X = y } }
          e { endpoint = "https://e.example.com/", api-key = { secret = K } }
          f { type = mixpanel, service-account { username = u, secret = { secret = K } } }
          g { type = mixpanel, project-token = { secret = K }, service-account { username = u, secret = { secret = K } } }
          h { type = amplitude, api-key = { secret = K }, max-batch = 5000 }
          i { type = mixpanel, project-token = { secret = K }, signing { keys = [{ secret = S }] } }
          j { type = amplitude, api-key = { secret = K } }
          k { endpoint = "https://k.example.com/", batch { max-events = 0 } }
          l { endpoint = "https://l.example.com/", batch { max-events = 10, max-size = 1m } }
        }
        sources { s { destinations = [{ id = j, endpoint = "https://elsewhere.example.com/" }] } }
        """))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining("destinations.a.type: must be one of webhook, amplitude, mixpanel")
        .hasMessageContaining("destinations.b.api-key: the API key is { secret = NAME }")
        .hasMessageContaining("destinations.c.api-key: the API key is { secret = NAME }")
        .hasMessageContaining(
            "destinations.d.headers: a setting of type webhook, not of this destination's type"
                + " amplitude")
        .hasMessageContaining(
            "destinations.e.api-key: a setting of type amplitude, not of this destination's type"
                + " webhook")
        .hasMessageContaining("destinations.f.project-id: required with a service-account")
        .hasMessageContaining("destinations.g: needs one of service-account")
        .hasMessageContaining("destinations.h: max-batch must be 1 to 2000")
        .hasMessageContaining(
            "destinations.i.signing: a setting of type webhook, not of this destination's type"
                + " mixpanel")
        .hasMessageContaining(
            "sources.s.destinations[0].endpoint: a destination of type amplitude has its own"
                + " endpoint")
        .hasMessageContaining("destinations.k.batch: batch max-events must be at least 1")
        .hasMessageContaining(
            "destinations.l.batch.max-size: unknown key; a batch has [max-bytes, max-events,"
                + " max-wait]")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("l1teral"));
  }

  /**
   * Resilience4j keeps an array of the breaker's sliding window and one of its half-open probes,
   * per destination and node: a window of two billion attempts is refused with the registry, named
   * where it is written, instead of taking the node's heap.
   */
  @Test
  void boundsTheBreakersWindowAndProbes() {
    Registry widest =
        parse(
            """
        destinations {
          a { endpoint = "http://a.example.com/", breaker { sliding-window = 10000, half-open-probes = 1000 } }
        }
        sources { s { destinations = [a] } }
        """);
    assertThat(widest.destination("a").orElseThrow().delivery().breaker())
        .extracting(b -> b.slidingWindow(), b -> b.halfOpenProbes())
        .containsExactly(10_000, 1_000);

    assertThatThrownBy(
            () ->
                parse(
                    """
        destinations {
          wide { endpoint = "http://a.example.com/", breaker { sliding-window = 10001 } }
          huge { endpoint = "http://a.example.com/", breaker.sliding-window = 2147483647 }
          none { endpoint = "http://a.example.com/", breaker.sliding-window = 0 }
          probing { endpoint = "http://a.example.com/", breaker { half-open-probes = 1001 } }
        }
        sources {}
        """))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining(
            "destinations.wide.breaker.sliding-window: must be 1 to 10000, not 10001")
        .hasMessageContaining(
            "destinations.huge.breaker.sliding-window: must be 1 to 10000, not 2147483647")
        .hasMessageContaining("destinations.none.breaker.sliding-window: must be 1 to 10000, not 0")
        .hasMessageContaining(
            "destinations.probing.breaker.half-open-probes: must be 1 to 1000, not 1001");

    Config wideDefaults =
        ConfigFactory.parseString("breaker.half-open-probes = 5000").withFallback(DEFAULTS);
    assertThatThrownBy(() -> oneRouteWith(wideDefaults))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining(
            "eventrouter.registry.destination-defaults.breaker.half-open-probes: must be 1 to"
                + " 1000, not 5000");
  }

  /** A misspelt key is named with the keys its object has, rather than left out without a word. */
  @Test
  void refusesUnknownKeysNamingTheKnownOnes() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        destinatons { a { endpoint = "http://a.example.com/" } }
        destinations {
          a { endpont = "http://a.example.com/" }
          b { endpoint = "http://b.example.com/", retry { bse = 1s }, breaker.open = 1s }
          c { type = mixpanel, project-id = 1, service-account { username = u, secret = { secret = K }, pasword = x } }
        }
        sources {
          s { destinations = [{ id = b, endpont = "http://c.example.com/" }] }
          t { destinations = [b], write-key = [{ secret = T_KEY }] }
        }
        """))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining("destinatons: unknown key; a registry has [destinations, sources]")
        .hasMessageContaining(
            "destinations.a.endpont: unknown key; a destination has [api-key, batch, breaker,"
                + " enabled, endpoint, expire-after, headers, max-batch, max-connections,"
                + " max-in-flight-per-pair, ordering, ordering-key, project-id, project-token,"
                + " rate-per-pair, retry, service-account, signing, timeout, type]")
        .hasMessageContaining("destinations.b.retry.bse: unknown key; a retry has [base, cap]")
        .hasMessageContaining(
            "destinations.b.breaker.open: unknown key; a breaker has [failure-rate-percent,"
                + " half-open-probes, minimum-calls, open-for, sliding-window]")
        .hasMessageContaining(
            "destinations.c.service-account.pasword: unknown key; a service-account has [secret,"
                + " username]")
        .hasMessageContaining(
            "sources.s.destinations[0].endpont: unknown key; a route has [enabled, endpoint,"
                + " filter, id, rate-per-pair]")
        .hasMessageContaining(
            "sources.t.write-key: unknown key; a source has [destinations, write-keys]");
  }

  /** Every key the README shows, in one registry: none of them is refused as unknown. */
  @Test
  void readsEveryKeyADestinationAndARouteMayHave() {
    Registry registry =
        parse(
            """
        destinations {
          all {
            type = webhook
            endpoint = "https://all.example.com/in"
            enabled = true
            max-in-flight-per-pair = 8
            rate-per-pair = 5
            max-connections = 4
            timeout = 3s
            retry { base = 2s, cap = 1m }
            expire-after = 1h
            breaker { failure-rate-percent = 50, sliding-window = 40, minimum-calls = 10,
                      open-for = 5s, half-open-probes = 2 }
            ordering = per-key
            ordering-key = [userId]
            headers { X-Api-Version = "2", Authorization { secret = ALL_TOKEN } }
            signing { keys = [{ secret = ALL_KEY }] }
            batch { max-events = 10, max-bytes = 64k, max-wait = 50ms }
          }
        }
        sources {
          s {
            destinations = [{ id = all, endpoint = "https://own.example.com/in", enabled = true,
                              rate-per-pair = 3, filter { types = [track] } }]
            write-keys = [{ secret = S_KEY }]
          }
        }
        """);

    Destination all = registry.destination("all").orElseThrow();
    assertThat(all.delivery().breaker().slidingWindow()).isEqualTo(40);
    assertThat(all.delivery().retry().cap()).isEqualTo(Duration.ofMinutes(1));
    assertThat(registry.routesOf("s"))
        .singleElement()
        .satisfies(r -> assertThat(r.ratePerSecond()).hasValue(3));
  }

  /**
   * A header the router sets on every request itself, or that the HTTP layer owns, is refused
   * whatever its case: a destination's would be dropped without a word, or sent twice.
   */
  @Test
  void aStoredRegistryIsReadWithWhatOnlyNewerChecksRefuseOverlooked() {
    // as an earlier version accepted and stored it: a misspelt key, a header the router sets, and
    // a source given twice (merged)
    String stored =
        """
        {"destinations": {"a": {"endpoint": "http://a.example.com/", "timout": "5s",
                               "headers": {"X-Message-Id": "m", "X-Team": "t"}}},
         "sources": {"s": {"destinations": ["a"]}, "s": {"destinations": ["a"]}}}
        """;
    assertThatThrownBy(() -> RegistryLoader.parseText(stored, DEFAULTS))
        .isInstanceOf(InvalidRegistryException.class);

    RegistryLoader.Stored read = RegistryLoader.parseStored(stored, DEFAULTS);

    assertThat(read.registry().routesOf("s")).hasSize(1);
    assertThat(read.registry().destination("a").orElseThrow().headers()).containsOnlyKeys("X-Team");
    assertThat(read.overlooked())
        .anySatisfy(mistake -> assertThat(mistake).startsWith("destinations.a.timout"))
        .anySatisfy(
            mistake -> assertThat(mistake).startsWith("destinations.a.headers.X-Message-Id"));
  }

  @Test
  void aStoredRegistrysBreakerOutOfTheNewBoundsTakesTheBound() {
    String stored =
        """
        destinations { h { endpoint = "http://h.example.com/", breaker { sliding-window = 20000 } } }
        sources { s { destinations = [h] } }
        """;

    RegistryLoader.Stored read = RegistryLoader.parseStored(stored, DEFAULTS);

    assertThat(read.registry().destination("h").orElseThrow().delivery().breaker().slidingWindow())
        .isEqualTo(10_000);
    assertThat(read.overlooked())
        .singleElement()
        .asString()
        .startsWith("destinations.h.breaker.sliding-window: must be 1 to 10000, not 20000");
  }

  @Test
  void aStoredRegistryIsStillRefusedForWhatEveryVersionRefused() {
    assertThatThrownBy(
            () ->
                RegistryLoader.parseStored(
                    "destinations { a { endpoint = \"http://a.example.com/\" } }\n"
                        + "sources { s { destinations = [nope] } }",
                    DEFAULTS))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining("unknown destination 'nope'");
  }

  @Test
  void refusesHeadersTheRouterSetsItself() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        destinations {
          a { endpoint = "http://a.example.com/", headers {
                host = "b.example.com", "CONTENT-LENGTH" = "0", Transfer-Encoding = chunked,
                connection = close, idempotency-key = k, X-MESSAGE-ID = m, x-source-id = s,
                X-Delivery-Attempt = "1", X-Batch-Size = "2", traceparent = t, TraceState = t } }
        }
        sources {}
        """))
        .isInstanceOf(InvalidRegistryException.class)
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .contains(
                        List.of(
                                "host",
                                "CONTENT-LENGTH",
                                "Transfer-Encoding",
                                "connection",
                                "idempotency-key",
                                "X-MESSAGE-ID",
                                "x-source-id",
                                "X-Delivery-Attempt",
                                "X-Batch-Size",
                                "traceparent",
                                "TraceState")
                            .stream()
                            .map(
                                name ->
                                    "destinations.a.headers."
                                        + name
                                        + ": a header the router sets itself; a destination may"
                                        + " not set")
                            .toList()));

    assertThat(
            parse(
                    """
        destinations { a { endpoint = "http://a.example.com/", headers { User-Agent = me, Content-Type = "application/json" } } }
        sources {}
        """)
                .destination("a")
                .orElseThrow()
                .headers())
        .containsOnlyKeys("User-Agent", "Content-Type");
  }

  /**
   * A value of the wrong type is the sender's mistake, named with its path (a ConfigException out
   * of the loader was answered 503 by the admin API, as if the node had failed).
   */
  @Test
  void namesAValueOfTheWrongTypeWithItsPath() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        destinations {
          a { endpoint = "http://a.example.com/", timeout = soon, max-connections = many,
              enabled = maybe, headers = "X-Key: 1", breaker { failure-rate-percent = high } }
          b { endpoint = "http://b.example.com/", ordering = per-key, ordering-key = userId }
          b2 { endpoint = "http://b.example.com/", retry = 5s }
          b3 { endpoint = "http://b.example.com/", batch { max-events = lots } }
          c { endpoint = ["http://c.example.com/"] }
          d { endpoint = "http://d.example.com/" }
        }
        sources {
          s { destinations = [{ id = d, rate-per-pair = fast }] }
          t { destinations = [{ id = [d] }] }
          u { destinations = [{ id = d, enabled = sometimes }] }
          v { destinations = [{ id = d, endpoint = { url = "http://v.example.com/" } }] }
        }
        """))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessageContaining("destinations.a.timeout: must be a duration, like 10s")
        .hasMessageContaining("destinations.a.max-connections: must be a whole number")
        .hasMessageContaining("destinations.a.enabled: must be true or false")
        .hasMessageContaining("destinations.a.headers: must be an object")
        .hasMessageContaining("destinations.a.breaker.failure-rate-percent: must be a number")
        .hasMessageContaining("destinations.b.ordering-key: must be a list of texts")
        .hasMessageContaining("destinations.b2.retry: must be an object")
        .hasMessageContaining("destinations.b3.batch.max-events: must be a whole number")
        .hasMessageContaining("destinations.c.endpoint: must be text")
        .hasMessageContaining("sources.s.destinations[0].rate-per-pair: must be a whole number")
        .hasMessageContaining("sources.t.destinations[0].id: must be text")
        .hasMessageContaining("sources.u.destinations[0].enabled: must be true or false")
        .hasMessageContaining("sources.v.destinations[0].endpoint: must be text")
        .message()
        .doesNotContain("destinations.d");
  }

  /**
   * The HOCON parser descends one call per level of objects, lists and dotted keys: a body of a few
   * hundred thousand levels, well under the admin API's size limit, overflowed its stack. Such a
   * text is refused before it is parsed.
   */
  @Test
  void refusesATextNestedDeeperThanARegistryIsBeforeParsingIt() {
    int levels = 100_000;
    List<String> deep =
        List.of(
            "sources {}\nx = " + "[".repeat(levels) + "]".repeat(levels),
            "{\"sources\": {}, \"x\": "
                + "{\"a\": ".repeat(levels)
                + "1"
                + "}".repeat(levels)
                + "}",
            "sources {}\nx" + ".a".repeat(levels) + " = 1",
            "sources {}\n"
                + "a.a.a.a.a.a.a.a.a.a\n{\n".repeat(levels / 10)
                + "}".repeat(levels / 10));
    for (String text : deep) {
      assertThatThrownBy(() -> RegistryLoader.parseText(text, DEFAULTS))
          .isInstanceOf(InvalidRegistryException.class)
          .hasMessageContaining("invalid registry: line ")
          .hasMessageContaining("nested deeper than 64 levels");
    }

    // what is not nesting: brackets in a string or a comment, dots in a value
    String brackets = "[{".repeat(levels);
    String shallow =
        """
        # %s
        destinations { "a" : { "endpoint": "http://a.example.com/", ordering-key = [a.b.c.d.e.f],
                               headers { X-Text = "%s", X-Block = \"""%s\""" } } }
        sources.s.destinations = [{ id = a, filter { where = [{ field = "a.b.c", in = [1.5] }] } }]
        """
            .formatted(brackets, brackets, brackets);
    assertThat(RegistryLoader.parseText(shallow, DEFAULTS).routesOf("s")).hasSize(1);
  }

  /**
   * {@code a += x} is a substitution, refused in a registry sent over the network; parsed first, a
   * body of such lines took the parser minutes (each line resolving all before it).
   */
  @Test
  void refusesAnAppendBeforeParsingIt() {
    String appends = "sources {}\n" + "x += 1\n".repeat(100_000);

    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () ->
            assertThatThrownBy(() -> RegistryLoader.parseText(appends, DEFAULTS))
                .isInstanceOf(InvalidRegistryException.class)
                .hasMessageContaining("invalid registry: line 2: it holds a substitution"));
  }

  /** Each key given again is merged into the first, copying it: the square of their number. */
  @Test
  void refusesKeysGivenAgainAndAgainBeforeParsingThem() {
    int lines = 62_000; // a megabyte, the admin API's limit: minutes of the parser's time
    Map<String, String> refused =
        Map.of(
            "sources {}\n"
                + IntStream.range(0, lines)
                    .mapToObj(i -> "x { k" + i + " = 1 }\n")
                    .collect(joining()),
            "line 1003: more than 1000 keys given again in one object",
            "sources {}\n"
                + IntStream.range(0, lines).mapToObj(i -> "x.k" + i + " = 1\n").collect(joining()),
            "line 1003: more than 1000 keys given again in one object",
            "sources {}\nx = " + "[1] ".repeat(lines),
            "line 2: a value joined to the one before it");

    refused.forEach(
        (text, message) ->
            assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () ->
                    assertThatThrownBy(() -> RegistryLoader.parseText(text, DEFAULTS))
                        .isInstanceOf(InvalidRegistryException.class)
                        .hasMessageContaining(message)));
    // five hundred sources written with dotted keys (their "sources" given again) are a registry
    String many =
        "destinations { a { endpoint = \"http://a.example.com/\" } }\n"
            + IntStream.range(0, 500)
                .mapToObj(i -> "sources.s" + i + ".destinations = [a]\n")
                .collect(joining());
    assertThat(RegistryLoader.parseText(many, DEFAULTS).routesOf("s499")).hasSize(1);
  }

  /**
   * HOCON merges an object's keys given twice, the second silently changing the first; in a
   * registry sent as JSON that is a mistake, named with its path. HOCON's own merging stays.
   */
  @Test
  void refusesAKeyGivenTwiceInAJsonObject() {
    Map<String, String> duplicates =
        Map.of(
            """
            {"destinations": {"a": {"endpoint": "http://a.example.com/"},
                              "a": {"endpoint": "http://b.example.com/"}},
             "sources": {"s": {"destinations": ["a"]}}}
            """,
            "destinations.a",
            """
            {"destinations": {"a": {"endpoint": "http://a.example.com/"}},
             "sources": {"s": {"destinations": ["a"], "destinations": []}}}
            """,
            "sources.s.destinations",
            """
            {"destinations": {"a": {"endpoint": "http://a.example.com/"}},
             "sources": {"s": {"destinations": [{"id": "a", "enabled": true, "enabled": false}]}}}
            """,
            "sources.s.destinations[0].enabled");
    duplicates.forEach(
        (text, path) ->
            assertThatThrownBy(() -> RegistryLoader.parseText(text, DEFAULTS))
                .isInstanceOf(InvalidRegistryException.class)
                .hasMessageContaining("invalid registry: " + path + ": given twice"));

    Registry merged =
        RegistryLoader.parseText(
            """
            destinations { a { endpoint = "http://a.example.com/" } }
            destinations { a { timeout = 3s } }
            sources { s { destinations = [a] } }
            """,
            DEFAULTS);
    assertThat(merged.destination("a").orElseThrow().delivery().timeout())
        .isEqualTo(Duration.ofSeconds(3));
  }

  /** One destination and one source sending to it, over these destination defaults. */
  private static Registry oneRouteWith(Config defaults) {
    return RegistryLoader.parse(
        ConfigFactory.parseString(
            """
            destinations { a { endpoint = "http://a.example.com/" } }
            sources { s { destinations = [a] } }
            """),
        defaults);
  }

  private static Registry parse(String hocon) {
    return RegistryLoader.parse(ConfigFactory.parseString(hocon), DEFAULTS);
  }
}
