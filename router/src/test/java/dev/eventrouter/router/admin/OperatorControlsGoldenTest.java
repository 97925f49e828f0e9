package dev.eventrouter.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.serialization.CborSerializable;
import dev.eventrouter.persistence.testing.GoldenFiles;
import dev.eventrouter.router.registry.SecretBindings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator controls' journal as this version wrote it ({@code
 * src/test/resources/golden/v1/operator-controls.*}, see {@link GoldenFiles}). These events are not
 * under stable names: Pekko's jackson-cbor serializer stores each with its Java class name as the
 * manifest, so renaming or moving an event class, or {@link OperatorControls} itself, breaks the
 * journals already written. The manifests below are those names, as stored.
 */
@ExtendWith(LogCapturingExtension.class)
class OperatorControlsGoldenTest {

  private static final GoldenFiles V1 = GoldenFiles.version("v1");
  private static final String PREFIX = "operator-controls.";

  /** Pekko's jackson-cbor serializer. */
  private static final int JACKSON_CBOR = 33;

  /** The manifests' common start: the class names of the events as they were stored. */
  private static final String MANIFEST = "dev.eventrouter.router.admin.OperatorControls$";

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Serialization serialization =
      SerializationExtension.get(testKit.system().classicSystem());

  private static final Instant AT = Instant.parse("2026-11-26T10:15:30.123456Z");
  private static final String REGISTRY =
      """
      destinations {
        webhook { endpoint = "https://hooks.example.com/in", headers { Authorization = "secret:hooks-token" } }
      }
      sources {
        shop { destinations = [webhook] }
      }
      """;
  private static final SecretBindings HOOKS_TOKEN =
      new SecretBindings(Map.of("hooks-token", Set.of("https://hooks.example.com:443")));

  /** A golden file: the event it holds, under the manifest it was stored with. */
  record Stored(String manifest, Object event) {}

  /**
   * Today's encoding of each event type, by file name; the manifests are written out, as stored.
   */
  static Map<String, Stored> written() {
    Map<String, Stored> events = new LinkedHashMap<>();
    events.put(
        PREFIX + "paused",
        new Stored(
            MANIFEST + "Paused",
            new OperatorControls.Paused(new OperatorControls.Target("shop", "webhook"))));
    events.put(
        PREFIX + "resumed",
        new Stored(
            MANIFEST + "Resumed",
            new OperatorControls.Resumed(OperatorControls.Target.destination("webhook"))));
    events.put(
        PREFIX + "limits-set",
        new Stored(
            MANIFEST + "LimitsSet",
            new OperatorControls.LimitsSet(
                new OperatorControls.Target("shop", "webhook"),
                new OperatorControls.PairLimits(50, null))));
    events.put(
        PREFIX + "registry-replaced",
        new Stored(
            MANIFEST + "RegistryReplaced",
            new OperatorControls.RegistryReplaced(REGISTRY, AT, HOOKS_TOKEN)));
    events.put(
        PREFIX + "secrets-bound",
        new Stored(
            MANIFEST + "SecretsBound",
            new OperatorControls.SecretsBound(
                new SecretBindings(
                    Map.of(
                        "hooks-token",
                            Set.of(
                                "https://hooks.example.com:443", "https://backup.example.com:8443"),
                        "crm-key", Set.of("http://crm.internal:80"))))));
    return events;
  }

  /** A snapshot (not an event: not in {@link #written()}), with a replaced registry's text. */
  static final Stored SNAPSHOT =
      new Stored(
          MANIFEST + "Snapshot",
          new OperatorControls.Snapshot(
              List.of(OperatorControls.Target.destination("webhook")),
              List.of(
                  new OperatorControls.PairOverride(
                      new OperatorControls.Target("shop", "webhook"),
                      new OperatorControls.PairLimits(50, 4))),
              3,
              9,
              new OperatorControls.RegistryText(3, AT, REGISTRY),
              HOOKS_TOKEN));

  /**
   * {@link OperatorControls.RegistryReplaced} as it was declared before it kept secret bindings.
   */
  record RegistryReplacedBeforeSecretBindings(String text, Instant at)
      implements CborSerializable {}

  @BeforeAll
  static void writeMissingFilesWhenAsked() {
    if (!Boolean.getBoolean(GoldenFiles.WRITE)) {
      return;
    }
    for (var stored : written().entrySet()) {
      Object event = stored.getValue().event();
      Serializer serializer = serialization.findSerializerFor(event);
      assertThat(serializer.identifier()).isEqualTo(JACKSON_CBOR);
      assertThat(Serializers.manifestFor(serializer, event))
          .isEqualTo(stored.getValue().manifest());
      V1.writeIfMissing(stored.getKey() + ".cbor", serialization.serialize(event).get());
    }
    Serializer snapshots = serialization.findSerializerFor(SNAPSHOT.event());
    assertThat(snapshots.identifier()).isEqualTo(JACKSON_CBOR);
    assertThat(Serializers.manifestFor(snapshots, SNAPSHOT.event())).isEqualTo(SNAPSHOT.manifest());
    V1.writeIfMissing(PREFIX + "snapshot.cbor", serialization.serialize(SNAPSHOT.event()).get());
    V1.writeIfMissing(
        PREFIX + "registry-replaced--before-secret-bindings.cbor",
        serialization.serialize(new RegistryReplacedBeforeSecretBindings(REGISTRY, AT)).get());
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void readsEveryEventAsThisVersionWroteIt() {
    for (var stored : written().entrySet()) {
      assertReads(stored.getKey(), stored.getValue());
    }
  }

  @Test
  void readsASnapshotAsThisVersionWroteIt() {
    assertReads(PREFIX + "snapshot", SNAPSHOT);
  }

  @Test
  void readsARegistryReplacementWrittenBeforeSecretBindingsWereKept() {
    assertReads(
        PREFIX + "registry-replaced--before-secret-bindings",
        new Stored(
            MANIFEST + "RegistryReplaced",
            new OperatorControls.RegistryReplaced(REGISTRY, AT, null)));
  }

  @Test
  void everyEventTypeHasAGoldenFileAndEveryFileIsRead() {
    assertThat(written().values())
        .<Class<?>>extracting(stored -> stored.event().getClass())
        .containsExactlyInAnyOrder(OperatorControls.Event.class.getPermittedSubclasses());
    List<String> expected = new ArrayList<>();
    written().keySet().forEach(file -> expected.add(file + ".cbor"));
    expected.add(PREFIX + "registry-replaced--before-secret-bindings.cbor");
    expected.add(PREFIX + "snapshot.cbor");

    assertThat(V1.files())
        .filteredOn(file -> file.startsWith(PREFIX))
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  private static void assertReads(String file, Stored expected) {
    Object read =
        serialization.deserialize(V1.read(file + ".cbor"), JACKSON_CBOR, expected.manifest()).get();
    assertThat(read)
        .as(file)
        .usingRecursiveComparison()
        .withStrictTypeChecking()
        .isEqualTo(expected.event());
  }
}
