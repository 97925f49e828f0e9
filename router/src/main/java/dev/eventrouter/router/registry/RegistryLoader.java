package dev.eventrouter.router.registry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.adapter.DestinationAdapter;
import dev.eventrouter.queues.adapter.WebhookAdapter;
import dev.eventrouter.queues.delivery.HeaderText;
import dev.eventrouter.queues.delivery.HttpEndpoint;
import dev.eventrouter.queues.delivery.Secrets;
import dev.eventrouter.queues.delivery.WebhookSignature;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.destination.WebhookSigning;
import dev.eventrouter.router.filter.FieldPath;
import dev.eventrouter.router.filter.RouteFilter;
import java.io.File;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads a settings registry file (HOCON; the format is documented in the README and in {@code
 * examples/registry.conf}). Every mistake is reported with its place in the file, and a registry
 * with any mistake is refused as a whole.
 */
public final class RegistryLoader {

  /**
   * The breaker's attempts and half-open probes are counted in arrays of this many, allocated for
   * each destination on each node by Resilience4j: a window of two billion would take the heap.
   */
  private static final int MAX_SLIDING_WINDOW = 10_000;

  private static final int MAX_HALF_OPEN_PROBES = 1_000;

  private static final String DEFAULTS_PATH = "eventrouter.registry.destination-defaults";

  private static final Set<String> REGISTRY_KEYS = Set.of("destinations", "sources");
  private static final Set<String> SOURCE_KEYS = Set.of("destinations", "write-keys");
  private static final Set<String> ROUTE_KEYS =
      Set.of("id", "endpoint", "enabled", "rate-per-pair", "filter");

  /** A destination's keys: those of every type, and each type's own (another type's is named). */
  private static final Set<String> DESTINATION_KEYS =
      Stream.concat(
              Stream.of(
                  "type",
                  "endpoint",
                  "enabled",
                  "max-in-flight-per-pair",
                  "rate-per-pair",
                  "max-connections",
                  "timeout",
                  "retry",
                  "expire-after",
                  "breaker",
                  "ordering",
                  "ordering-key"),
              Adapters.KEYS.stream())
          .collect(Collectors.toUnmodifiableSet());

  private static final Map<String, Set<String>> SECTION_KEYS =
      Map.of(
          "retry",
          Set.of("base", "cap"),
          "breaker",
          Set.of(
              "failure-rate-percent",
              "sliding-window",
              "minimum-calls",
              "open-for",
              "half-open-probes"));

  private RegistryLoader() {}

  /**
   * @param defaults {@code eventrouter.registry.destination-defaults}: what a destination that does
   *     not say otherwise gets
   */
  public static Registry load(Path file, Config defaults) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidRegistryException(
          "registry file " + file.toAbsolutePath() + " does not exist");
    }
    Config config;
    try {
      config =
          ConfigFactory.parseFile(
                  file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false))
              .resolve();
    } catch (ConfigException e) {
      throw new InvalidRegistryException("registry file " + file + ": " + e.getMessage(), e);
    }
    return parse(config, defaults);
  }

  /**
   * A registry sent as text (an operator's replacement): HOCON or JSON, on its own and resolved. It
   * may not include other files or URLs, nor hold substitutions ({@code ${...}}): a registry from
   * the network must not read this machine's files or secrets into a destination's endpoint or
   * headers, and a few substitutions of substitutions ({@code b = ${a}${a}}, {@code c = ${b}${b}},
   * ...) resolve to more bytes than any heap holds. Nor may it nest deeper than {@link
   * HoconScan#MAX_DEPTH}, nor, as JSON, give a key twice in one object.
   */
  public static Registry parseText(String text, Config defaults) {
    Optional<String> refused =
        HoconScan.problem(text)
            .or(
                () ->
                    JsonDuplicates.first(text)
                        .map(
                            key ->
                                key
                                    + ": given twice in one object; HOCON would merge them, so a"
                                    + " registry sent as JSON gives each key once"));
    if (refused.isPresent()) {
      throw new InvalidRegistryException("invalid registry: " + refused.get());
    }
    return parse(sentText(text), defaults);
  }

  /** A registry's text as sent: on its own (no include) and resolved. */
  private static Config sentText(String text) {
    Config config;
    try {
      config =
          ConfigFactory.parseString(
              text,
              ConfigParseOptions.defaults()
                  .setOriginDescription("registry")
                  .setIncluder(NoIncludes.INSTANCE));
    } catch (ConfigException e) {
      throw new InvalidRegistryException("invalid registry: " + e.getMessage(), e);
    }
    if (!config.isResolved()) {
      throw new InvalidRegistryException("invalid registry: " + HoconScan.UNRESOLVED);
    }
    return config;
  }

  /**
   * Refuses every include, in each of its forms: {@code include "x"}, {@code file(...)}, {@code
   * url(...)}, {@code classpath(...)}, {@code required(...)}. An includer that does not implement
   * the file, URL and classpath interfaces only sees the first; the others go to the default
   * loaders.
   */
  private enum NoIncludes
      implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
    INSTANCE;

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
      return this;
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
      throw refused(what);
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
      throw refused(what.toString());
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
      throw refused(what.toString());
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
      throw refused(what);
    }

    private static ConfigException refused(String what) {
      return new ConfigException.Generic(
          "include is not allowed in a registry sent over the network: " + what);
    }
  }

  public static Registry parse(Config config, Config defaults) {
    return read(config, defaults, Mistakes.strict());
  }

  /**
   * A registry an operator put through the admin API, as stored with the operator controls: read as
   * {@link #parseText}, except that what only checks newer than the version that accepted it would
   * refuse (a key it does not know, a header the router sets itself, a key given twice in a JSON
   * object) is overlooked and returned, for a warning.
   */
  public static Stored parseStored(String text, Config defaults) {
    Mistakes mistakes = Mistakes.ofStored();
    Registry registry = read(sentText(text), defaults, mistakes);
    return new Stored(registry, mistakes.overlooked());
  }

  /**
   * @param overlooked what a registry sent now would be refused for, each with its path
   */
  public record Stored(Registry registry, List<String> overlooked) {}

  private static Registry read(Config config, Config defaults, Mistakes errors) {
    if (defaults.hasPath("signing")) {
      // a key shared by every destination would let each receiver forge the others' webhooks
      errors.add(
          DEFAULTS_PATH
              + ".signing: signing keys are one destination's own: set signing in the"
              + " destination");
    }
    ObjectReader registry = new ObjectReader("", config.root(), errors);
    registry.refuseUnknownKeys("registry", REGISTRY_KEYS);
    Map<String, Destination> destinations = new LinkedHashMap<>();
    ConfigObject destinationsObject =
        registry.has("destinations") ? registry.object("destinations") : null;
    if (destinationsObject != null) {
      destinationsObject.forEach(
          (id, value) -> {
            Destination destination = destination(id, value, defaults, errors);
            if (destination != null) {
              destinations.put(id, destination);
            }
          });
    }
    Map<String, List<Route>> routes = new LinkedHashMap<>();
    Map<String, List<String>> writeKeys = new LinkedHashMap<>();
    ConfigObject sourcesObject = registry.has("sources") ? registry.object("sources") : null;
    if (sourcesObject != null) {
      sourcesObject.forEach(
          (id, value) -> {
            routes.put(id, routes(id, value, destinations, errors));
            List<String> keys = writeKeys(id, value, errors);
            if (!keys.isEmpty()) {
              writeKeys.put(id, keys);
            }
          });
    }
    Map<String, String> sourceOfKey = new LinkedHashMap<>();
    writeKeys.forEach(
        (source, keys) ->
            keys.forEach(
                key -> {
                  String other = sourceOfKey.putIfAbsent(key, source);
                  if (other != null && !other.equals(source)) {
                    errors.add(
                        "sources."
                            + source
                            + ".write-keys: the secret "
                            + key
                            + " is a write key of "
                            + other
                            + " too: a write key names one source");
                  }
                }));
    if (!errors.isEmpty()) {
      throw new InvalidRegistryException(
          "invalid registry:\n  " + String.join("\n  ", errors.errors()));
    }
    return new Registry(destinations, routes, writeKeys);
  }

  private static Destination destination(
      String id, ConfigValue value, Config defaults, Mistakes errors) {
    String where = "destinations." + id;
    if (!validId(where, id, errors)) {
      return null;
    }
    if (value.valueType() != ConfigValueType.OBJECT) {
      errors.add(where + ": must be an object with at least an endpoint");
      return null;
    }
    ConfigObject own = (ConfigObject) value;
    ObjectReader destination = new ObjectReader(where, own, errors);
    destination.refuseUnknownKeys("destination", DESTINATION_KEYS);
    SECTION_KEYS.forEach(
        (section, known) -> {
          ObjectReader child = destination.child(section);
          if (child != null) {
            child.refuseUnknownKeys(section, known);
          }
        });
    ObjectReader c = destination.withDefaults(defaults, DEFAULTS_PATH);
    try {
      String type = own.containsKey("type") ? c.text("type") : WebhookAdapter.TYPE;
      if (type == null) {
        return null;
      }
      int mistakes = errors.size();
      foreignSettings(where, type, own, errors);
      URI endpoint;
      DestinationAdapter adapter;
      if (type.equals(WebhookAdapter.TYPE)) {
        endpoint = endpoint(c, "endpoint", errors);
        adapter = Adapters.webhook(destination);
      } else {
        endpoint =
            own.containsKey("endpoint")
                ? endpoint(c, "endpoint", errors)
                : Adapters.defaultEndpoint(type);
        adapter = endpoint == null ? null : Adapters.read(where, type, endpoint, own, errors);
      }
      if (errors.size() > mistakes) {
        return null;
      }
      Map<String, String> headers = headers(where, c, errors);
      WebhookSigning signing = signing(where, own, headers, errors);
      DestinationSettings delivery = delivery(id, c, signing, adapter, errors);
      Ordering ordering = ordering(c, errors);
      Boolean enabled = c.bool("enabled");
      return endpoint == null || delivery == null || enabled == null
          ? null
          : new Destination(id, endpoint, enabled, headers, delivery, ordering);
    } catch (IllegalArgumentException e) {
      errors.add(where + ": " + e.getMessage());
      return null;
    }
  }

  /**
   * A destination's delivery settings, or null with each mistake added.
   *
   * @throws IllegalArgumentException for settings each right alone but not together
   */
  private static DestinationSettings delivery(
      String id,
      ObjectReader c,
      WebhookSigning signing,
      DestinationAdapter adapter,
      Mistakes errors) {
    int mistakes = errors.size();
    Integer maxInFlight = c.wholeNumber("max-in-flight-per-pair");
    Integer rate = c.wholeNumber("rate-per-pair");
    Integer maxConnections = c.wholeNumber("max-connections");
    Duration timeout = c.duration("timeout");
    Duration retryBase = c.duration("retry.base");
    Duration retryCap = c.duration("retry.cap");
    Duration expireAfter = c.duration("expire-after");
    Double failureRate = c.number("breaker.failure-rate-percent");
    Integer slidingWindow = c.wholeNumber("breaker.sliding-window", 1, MAX_SLIDING_WINDOW);
    Integer minimumCalls = c.wholeNumber("breaker.minimum-calls");
    Duration openFor = c.duration("breaker.open-for");
    Integer halfOpenProbes = c.wholeNumber("breaker.half-open-probes", 1, MAX_HALF_OPEN_PROBES);
    if (errors.size() > mistakes) {
      return null;
    }
    return new DestinationSettings(
        id,
        maxInFlight,
        rate,
        maxConnections,
        timeout,
        new RetryPolicy(retryBase, retryCap),
        expireAfter,
        new BreakerSettings(
            failureRate.floatValue(), slidingWindow, minimumCalls, openFor, halfOpenProbes),
        signing,
        adapter);
  }

  /** {@code ordering = none}, or {@code per-key} with the fields of {@code ordering-key}. */
  private static Ordering ordering(ObjectReader c, Mistakes errors) {
    String mode = c.text("ordering");
    if (mode == null || mode.equals("none")) {
      return Ordering.NONE;
    }
    if (!mode.equals("per-key")) {
      errors.add(c.path("ordering") + ": '" + mode + "' is none or per-key");
      return Ordering.NONE;
    }
    List<String> names = c.texts("ordering-key");
    if (names == null) {
      return Ordering.NONE;
    }
    if (names.isEmpty()) {
      errors.add(
          c.path("ordering-key")
              + ": per-key ordering needs the fields of its key, like [userId, anonymousId]");
      return Ordering.NONE;
    }
    List<FieldPath> fields = new ArrayList<>();
    for (String name : names) {
      try {
        fields.add(FieldPath.parse(name));
      } catch (IllegalArgumentException e) {
        errors.add(c.path("ordering-key") + ": " + e.getMessage());
      }
    }
    return new Ordering(fields);
  }

  /**
   * A setting of one type written in a destination of another (an API key in a webhook, headers in
   * an API's destination, whose requests its adapter makes): a mistake, named, not ignored.
   */
  private static void foreignSettings(
      String where, String type, ConfigObject destination, Mistakes errors) {
    if (!Adapters.TYPES.contains(type)) {
      errors.add(where + ".type: must be one of " + String.join(", ", Adapters.TYPES));
      return;
    }
    for (String key : destination.keySet()) {
      Adapters.typeOf(key)
          .filter(owner -> !owner.equals(type))
          .ifPresent(
              owner ->
                  errors.add(
                      where
                          + "."
                          + key
                          + ": a setting of type "
                          + owner
                          + ", not of this destination's type "
                          + type));
    }
  }

  /**
   * A destination's headers: a value as it is, or {@code { secret = NAME }} for a value looked up
   * when each request is made (from the secrets folder or the environment), which the jobs then
   * carry only as a reference.
   */
  private static Map<String, String> headers(String where, ObjectReader c, Mistakes errors) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (!c.has("headers")) {
      return headers;
    }
    ConfigObject all = c.object("headers");
    if (all == null) {
      return headers;
    }
    all.forEach(
        (name, value) -> {
          String at = where + ".headers." + name;
          Optional<String> invalidName = HeaderText.invalidName(name);
          if (invalidName.isPresent()) {
            errors.add(at + ": " + invalidName.get());
          } else if (ReservedHeaders.isReserved(name)) {
            errors.addFromNewCheck(
                at
                    + ": a header the router sets itself; a destination may not set "
                    + ReservedHeaders.NAMES);
          } else if (value.valueType() == ConfigValueType.OBJECT) {
            ConfigObject secret = (ConfigObject) value;
            if (!secret.containsKey("secret") || secret.size() != 1) {
              errors.add(at + ": a header is a value, or { secret = NAME }");
            } else {
              String secretName = new ObjectReader(at, secret, errors).text("secret");
              try {
                if (secretName != null) {
                  headers.put(name, Secrets.reference(secretName));
                }
              } catch (IllegalArgumentException e) {
                errors.add(at + ": " + e.getMessage());
              }
            }
          } else if (value.valueType() == ConfigValueType.LIST
              || value.valueType() == ConfigValueType.NULL) {
            errors.add(at + ": a header is a value, or { secret = NAME }");
          } else {
            String literal = String.valueOf(value.unwrapped());
            Optional<String> invalid = invalidLiteral(name, literal);
            if (Secrets.referenced(literal).isPresent()) {
              errors.add(at + ": write a secret as { secret = NAME }");
            } else if (invalid.isPresent()) {
              // what is wrong, never the value: a literal header may be a credential too
              errors.add(at + ": " + invalid.get());
            } else {
              headers.put(name, literal);
            }
          }
        });
    return headers;
  }

  /**
   * A destination's signing keys: {@code signing { keys = [{ secret = NAME }, ...] }}, the first
   * the current one. Read from the destination alone, never the defaults: a key is one receiver's.
   */
  private static WebhookSigning signing(
      String where, ConfigObject destination, Map<String, String> headers, Mistakes errors) {
    ConfigValue value = destination.get("signing");
    if (value == null) {
      return WebhookSigning.NONE;
    }
    String at = where + ".signing";
    if (value.valueType() != ConfigValueType.OBJECT
        || ((ConfigObject) value).size() != 1
        || !((ConfigObject) value).containsKey("keys")) {
      errors.add(at + ": must be { keys = [{ secret = NAME }, ...] }");
      return WebhookSigning.NONE;
    }
    int mistakes = errors.size();
    List<String> keys =
        secretNames(at + ".keys", "a signing key", ((ConfigObject) value).get("keys"), errors);
    if (keys.isEmpty() && errors.size() == mistakes) {
      errors.add(at + ".keys: needs at least one key");
    }
    headers.keySet().stream()
        .filter(WebhookSignature::isSignatureHeader)
        .sorted()
        .forEach(
            name ->
                errors.add(
                    where
                        + ".headers."
                        + name
                        + ": a signed request's own header; signing sets it"));
    return new WebhookSigning(keys);
  }

  /** What the HTTP layer would refuse to send, or drop (and log with its value). */
  private static Optional<String> invalidLiteral(String name, String value) {
    if (!name.equalsIgnoreCase("Content-Type")) {
      return HeaderText.invalidValue(value);
    }
    try {
      HeaderText.contentType(value);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
  }

  private static List<Route> routes(
      String source, ConfigValue value, Map<String, Destination> destinations, Mistakes errors) {
    String where = "sources." + source;
    List<Route> routes = new ArrayList<>();
    if (!validId(where, source, errors)) {
      return routes;
    }
    if (value.valueType() != ConfigValueType.OBJECT
        || !((ConfigObject) value).containsKey("destinations")
        || ((ConfigObject) value).get("destinations").valueType() != ConfigValueType.LIST) {
      errors.add(where + ": must have a list `destinations`");
      return routes;
    }
    new ObjectReader(where, (ConfigObject) value, errors).refuseUnknownKeys("source", SOURCE_KEYS);
    ConfigList list = (ConfigList) ((ConfigObject) value).get("destinations");
    for (int i = 0; i < list.size(); i++) {
      String at = where + ".destinations[" + i + "]";
      ConfigValue entry = list.get(i);
      String id;
      URI endpoint = null;
      boolean enabled = true;
      OptionalInt rate = OptionalInt.empty();
      RouteFilter filter = RouteFilter.ALL;
      if (entry.valueType() == ConfigValueType.STRING) {
        id = (String) entry.unwrapped();
      } else if (entry.valueType() == ConfigValueType.OBJECT) {
        ConfigObject object = (ConfigObject) entry;
        ObjectReader c = new ObjectReader(at, object, errors);
        int mistakes = errors.size();
        c.refuseUnknownKeys("route", ROUTE_KEYS);
        if (!c.has("id")) {
          errors.add(at + ": needs an `id`");
          continue;
        }
        id = c.text("id");
        if (c.has("endpoint")) {
          endpoint = endpoint(c, "endpoint", errors);
        }
        if (c.has("enabled")) {
          enabled = Boolean.TRUE.equals(c.bool("enabled"));
        }
        if (c.has("rate-per-pair")) {
          Integer own = c.wholeNumber("rate-per-pair");
          if (own != null && own < 0) {
            errors.add(at + ".rate-per-pair: must be 0 (none) or more");
          } else if (own != null) {
            rate = OptionalInt.of(own);
          }
        }
        if (object.containsKey("filter")) {
          filter = FilterLoader.read(at + ".filter", object.get("filter"), errors);
        }
        if (errors.size() > mistakes) {
          continue;
        }
      } else {
        errors.add(at + ": must be a destination id or an object with `id`");
        continue;
      }
      Destination destination = destinations.get(id);
      if (destination == null) {
        errors.add(at + ": unknown destination '" + id + "'");
        continue;
      }
      if (routes.stream().anyMatch(r -> r.destination().id().equals(id))) {
        errors.add(at + ": destination '" + id + "' is listed twice");
        continue;
      }
      int pairIdLength = source.length() + 1 + id.length();
      if (pairIdLength > VirtualQueue.MAX_PAIR_ID_LENGTH) {
        errors.add(
            at
                + ": the pair's id ("
                + pairIdLength
                + " characters: source:destination) is longer than its queue's journal holds ("
                + VirtualQueue.MAX_PAIR_ID_LENGTH
                + "); shorten the source's or the destination's id");
        continue;
      }
      if (endpoint != null && !(destination.delivery().adapter() instanceof WebhookAdapter)) {
        errors.add(
            at
                + ".endpoint: a destination of type "
                + destination.delivery().adapter().type()
                + " has its own endpoint; a route cannot change it");
        continue;
      }
      if (enabled && destination.enabled()) {
        routes.add(
            new Route(
                new PairId(source, id),
                destination,
                endpoint != null ? endpoint : destination.endpoint(),
                rate,
                filter));
      }
    }
    return List.copyOf(routes);
  }

  /**
   * A source's write keys for the Segment-compatible API: {@code write-keys = [{ secret = NAME },
   * ...]}, each a secret by reference (looked up as destination headers' secrets are), never a
   * literal: a registry is shown to operators and kept in the journal.
   */
  private static List<String> writeKeys(String source, ConfigValue value, Mistakes errors) {
    if (value.valueType() != ConfigValueType.OBJECT
        || !((ConfigObject) value).containsKey("write-keys")) {
      return List.of();
    }
    return secretNames(
        "sources." + source + ".write-keys",
        "a write key",
        ((ConfigObject) value).get("write-keys"),
        errors);
  }

  /**
   * Keys named as secrets, {@code [{ secret = NAME }, ...]}, each once.
   *
   * @param what what each key is, for the mistakes
   */
  private static List<String> secretNames(
      String where, String what, ConfigValue list, Mistakes errors) {
    List<String> keys = new ArrayList<>();
    if (list.valueType() != ConfigValueType.LIST) {
      errors.add(where + ": must be a list of { secret = NAME }");
      return keys;
    }
    ConfigList entries = (ConfigList) list;
    for (int i = 0; i < entries.size(); i++) {
      ConfigValue entry = entries.get(i);
      String at = where + "[" + i + "]";
      if (entry.valueType() != ConfigValueType.OBJECT
          || ((ConfigObject) entry).size() != 1
          || !((ConfigObject) entry).containsKey("secret")
          || ((ConfigObject) entry).get("secret").valueType() != ConfigValueType.STRING) {
        // what is wrong, never the value: it may be the key itself written by mistake
        errors.add(at + ": " + what + " is { secret = NAME }, the secret that holds it");
        continue;
      }
      String name = (String) ((ConfigObject) entry).get("secret").unwrapped();
      if (!Secrets.NAME.matcher(name).matches()) {
        errors.add(at + ": a secret name must match " + Secrets.NAME.pattern());
      } else if (keys.contains(name)) {
        errors.add(at + ": the secret " + name + " is listed twice");
      } else {
        keys.add(name);
      }
    }
    return keys;
  }

  private static boolean validId(String where, String id, Mistakes errors) {
    if (!PairId.ID.matcher(id).matches()) {
      errors.add(where + ": id must match " + PairId.ID.pattern());
      return false;
    }
    return true;
  }

  private static URI endpoint(ObjectReader c, String key, Mistakes errors) {
    String text = c.text(key);
    return text == null ? null : endpoint(c.path(key), text, errors);
  }

  /**
   * The endpoint, checked as every request to it will be, and a little more: what the HTTP layer
   * would drop on the way out is refused here rather than sent without.
   */
  private static URI endpoint(String where, String text, Mistakes errors) {
    URI uri;
    try {
      uri = HttpEndpoint.parse(text);
    } catch (IllegalArgumentException e) {
      errors.add(where + ": " + e.getMessage());
      return null;
    }
    if (uri.getRawUserInfo() != null) {
      // a request goes to the host, without them: a credential is sent as a header's secret
      errors.add(
          where
              + ": must not hold a user or password (user:password@); send a credential as a"
              + " header, { secret = NAME }");
      return null;
    }
    if (!uri.toASCIIString().equals(text)) {
      // the HTTP layer refuses a request to it, so every job would be discarded
      errors.add(where + ": must be ASCII (percent-encode the rest: " + uri.toASCIIString() + ")");
      return null;
    }
    return uri;
  }
}
