package dev.eventrouter.router.registry;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.eventrouter.queues.adapter.AmplitudeAdapter;
import dev.eventrouter.queues.adapter.Batching;
import dev.eventrouter.queues.adapter.DestinationAdapter;
import dev.eventrouter.queues.adapter.MixpanelAdapter;
import dev.eventrouter.queues.adapter.WebhookAdapter;
import dev.eventrouter.queues.delivery.Secrets;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads the settings of a destination's {@code type} (its adapter) from the registry, with a clear
 * error for each mistake. Credentials are secrets by reference, {@code { secret = NAME }}, like
 * every other secret: looked up at each attempt, never in the registry nor in a job.
 */
final class Adapters {

  private Adapters() {}

  static final List<String> TYPES =
      List.of(WebhookAdapter.TYPE, AmplitudeAdapter.TYPE, MixpanelAdapter.TYPE);

  /** Each type's own settings, by name: written in a destination of another type, a mistake. */
  private static final Map<String, String> OWNER =
      Map.of(
          "headers", WebhookAdapter.TYPE,
          "signing", WebhookAdapter.TYPE,
          "batch", WebhookAdapter.TYPE,
          "api-key", AmplitudeAdapter.TYPE,
          "project-id", MixpanelAdapter.TYPE,
          "service-account", MixpanelAdapter.TYPE,
          "project-token", MixpanelAdapter.TYPE);

  /** The settings of one type or another, not of every type. */
  static final Set<String> KEYS =
      Stream.concat(OWNER.keySet().stream(), Stream.of("max-batch"))
          .collect(Collectors.toUnmodifiableSet());

  private static final Set<String> BATCH_KEYS = Set.of("max-events", "max-bytes", "max-wait");
  private static final Set<String> SERVICE_ACCOUNT_KEYS = Set.of("username", "secret");

  /** The type whose setting this is, if it is one type's only ({@code max-batch} is the APIs'). */
  static Optional<String> typeOf(String key) {
    return Optional.ofNullable(OWNER.get(key));
  }

  /**
   * A webhook: one job per request, or {@code batch { max-events, max-bytes, max-wait }}: up to
   * max-events jobs and max-bytes of payloads per request, a batch not full waiting up to max-wait.
   */
  static WebhookAdapter webhook(ObjectReader destination) {
    ObjectReader batch = destination.child("batch");
    if (batch == null) {
      return WebhookAdapter.INSTANCE;
    }
    batch.refuseUnknownKeys("batch", BATCH_KEYS);
    Integer maxEvents = batch.wholeNumber("max-events");
    Long maxBytes = batch.has("max-bytes") ? batch.bytes("max-bytes") : DEFAULT_BATCH_BYTES;
    Duration maxWait = batch.has("max-wait") ? batch.duration("max-wait") : Duration.ZERO;
    if (maxEvents == null || maxBytes == null || maxWait == null) {
      return WebhookAdapter.INSTANCE;
    }
    try {
      return new WebhookAdapter(new Batching(maxEvents, maxBytes, maxWait));
    } catch (IllegalArgumentException e) {
      batch.mistake(e.getMessage());
      return WebhookAdapter.INSTANCE;
    }
  }

  /** A batched webhook's bytes per request when it does not say. */
  static final long DEFAULT_BATCH_BYTES = 1024 * 1024;

  static URI defaultEndpoint(String type) {
    return type.equals(AmplitudeAdapter.TYPE)
        ? AmplitudeAdapter.DEFAULT_ENDPOINT
        : MixpanelAdapter.DEFAULT_ENDPOINT;
  }

  /** The adapter of a third-party type, or null with the mistakes in {@code errors}. */
  static DestinationAdapter read(
      String where, String type, URI endpoint, ConfigObject destination, Mistakes errors) {
    int mistakes = errors.size();
    int maxBatch =
        maxBatch(
            where,
            destination,
            type.equals(AmplitudeAdapter.TYPE)
                ? AmplitudeAdapter.DEFAULT_BATCH
                : MixpanelAdapter.MAX_EVENTS,
            errors);
    DestinationAdapter adapter = null;
    if (type.equals(AmplitudeAdapter.TYPE)) {
      String key = secret(where + ".api-key", "the API key", destination.get("api-key"), errors);
      if (errors.size() == mistakes) {
        adapter = new AmplitudeAdapter(endpoint, key, maxBatch);
      }
    } else {
      MixpanelAdapter.Credentials credentials = credentials(where, destination, errors);
      String projectId = text(where + ".project-id", destination.get("project-id"), errors);
      if (credentials instanceof MixpanelAdapter.ServiceAccount && projectId == null) {
        errors.add(where + ".project-id: required with a service-account");
      }
      if (errors.size() == mistakes) {
        adapter = new MixpanelAdapter(endpoint, projectId, credentials, maxBatch);
      }
    }
    return adapter;
  }

  private static MixpanelAdapter.Credentials credentials(
      String where, ConfigObject destination, Mistakes errors) {
    ConfigValue account = destination.get("service-account");
    ConfigValue token = destination.get("project-token");
    if ((account == null) == (token == null)) {
      errors.add(
          where
              + ": needs one of service-account { username = ..., secret = { secret = NAME } }"
              + " and project-token = { secret = NAME }");
      return null;
    }
    if (token != null) {
      String name = secret(where + ".project-token", "the project token", token, errors);
      return name == null ? null : new MixpanelAdapter.ProjectToken(name);
    }
    String at = where + ".service-account";
    if (account.valueType() != ConfigValueType.OBJECT) {
      errors.add(at + ": must be { username = ..., secret = { secret = NAME } }");
      return null;
    }
    ConfigObject fields = (ConfigObject) account;
    new ObjectReader(at, fields, errors).refuseUnknownKeys("service-account", SERVICE_ACCOUNT_KEYS);
    String username = text(at + ".username", fields.get("username"), errors);
    String secret =
        secret(at + ".secret", "the service account's secret", fields.get("secret"), errors);
    if (username == null && fields.get("username") == null) {
      errors.add(at + ".username: required");
    }
    return username == null || secret == null
        ? null
        : new MixpanelAdapter.ServiceAccount(username, secret);
  }

  private static int maxBatch(
      String where, ConfigObject destination, int byDefault, Mistakes errors) {
    ConfigValue value = destination.get("max-batch");
    if (value == null) {
      return byDefault;
    }
    if (value.valueType() != ConfigValueType.NUMBER
        || !(value.unwrapped() instanceof Integer n)
        || n < 1) {
      errors.add(where + ".max-batch: must be a whole number, at least 1");
      return 1;
    }
    return n;
  }

  /** A plain text setting, or null (absent, or a mistake added). */
  private static String text(String at, ConfigValue value, Mistakes errors) {
    if (value == null) {
      return null;
    }
    if (value.valueType() != ConfigValueType.STRING && value.valueType() != ConfigValueType.NUMBER
        || String.valueOf(value.unwrapped()).isBlank()) {
      errors.add(at + ": must be text");
      return null;
    }
    return String.valueOf(value.unwrapped());
  }

  /** {@code { secret = NAME }}: the secret's name, or null with the mistake added. */
  private static String secret(String at, String what, ConfigValue value, Mistakes errors) {
    if (value == null
        || value.valueType() != ConfigValueType.OBJECT
        || ((ConfigObject) value).size() != 1
        || !((ConfigObject) value).containsKey("secret")
        || ((ConfigObject) value).get("secret").valueType() != ConfigValueType.STRING) {
      // what is wrong, never the value: it may be the credential itself written by mistake
      errors.add(at + ": " + what + " is { secret = NAME }, the secret that holds it");
      return null;
    }
    String name = (String) ((ConfigObject) value).get("secret").unwrapped();
    if (!Secrets.NAME.matcher(name).matches()) {
      errors.add(at + ": a secret name must match " + Secrets.NAME.pattern());
      return null;
    }
    return name;
  }
}
