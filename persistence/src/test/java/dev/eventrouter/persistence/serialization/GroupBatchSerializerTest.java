package dev.eventrouter.persistence.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.PersistedRecords;
import dev.eventrouter.persistence.testing.GoldenFiles;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class GroupBatchSerializerTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Serialization serialization =
      SerializationExtension.get(testKit.system().classicSystem());

  private static final GoldenFiles V2 = GoldenFiles.version("v2");
  private static final GoldenFiles V3 = GoldenFiles.version("v3");
  private static final String GOLDEN = "group.batch--two-pairs.bin";

  private static final PersistedRecords TOLD =
      new PersistedRecords("Vd3kPz5pS0aPm7Yk8ZqV2w", Map.of(2, 902L, 5, 41L));

  private static final Instant T0 = Instant.parse("2026-12-02T07:30:00.250Z");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** What a group writes for two of its pairs: one's new jobs, the other's outcome. */
  private static GroupBatch twoPairs() {
    return twoPairs(PersistedRecords.NONE);
  }

  private static GroupBatch twoPairs(PersistedRecords persisted) {
    PairId shop = new PairId("shop", "webhook");
    PairId blog = new PairId("blog", "analytics");
    List<JobEvent> accepted = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Job job =
          JobFixtures.job(
              shop,
              "message-" + i,
              "https://hooks.example.com/in",
              T0.plusMillis(i),
              ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
      accepted.add(new JobEvent.AwaitingScheduling(JobFixtures.fromRecord(job, 2, 900L + i)));
    }
    Job delivered = JobFixtures.job(blog, "message-9", "https://api.example.com/track", T0);
    return new GroupBatch(
        List.of(
            new GroupBatch.PairBatch(shop, new JobBatch(accepted)),
            new GroupBatch.PairBatch(
                blog,
                new JobBatch(
                    List.of(
                        new JobEvent.Succeeded(
                            delivered.id(), Attempt.responded(1, T0, T0.plusMillis(30), 200)))))),
        persisted);
  }

  @Test
  void aGroupBatchRoundTripsThroughTheConfiguredSerializer() throws Exception {
    for (GroupBatch group : List.of(twoPairs(), twoPairs(TOLD))) {
      var serializer = serialization.findSerializerFor(group);
      assertThat(serializer.identifier()).isEqualTo(GroupBatchSerializer.IDENTIFIER);
      String manifest = Serializers.manifestFor(serializer, group);
      byte[] bytes = serialization.serialize(group).get();

      assertThat(serialization.deserialize(bytes, serializer.identifier(), manifest).get())
          .isEqualTo(group);
    }
  }

  @Test
  void itsJobEventsAreEveryPairsInTheOrderWritten() {
    GroupBatch group = twoPairs();

    assertThat(group.jobEvents())
        .containsExactlyElementsOf(
            group.pairs().stream().flatMap(pair -> pair.batch().events().stream()).toList())
        .hasSize(4);
  }

  @Test
  void readsTheGroupBatchesEveryVersionWrote() throws Exception {
    GroupBatchSerializer serializer = new GroupBatchSerializer(null);
    if (Boolean.getBoolean(GoldenFiles.WRITE)) {
      V3.writeIfMissing(GOLDEN, serializer.toBinary(twoPairs(TOLD)));
    }
    for (GoldenFiles version : List.of(V2, V3)) {
      assertThat(version.files())
          .filteredOn(file -> file.startsWith(GroupBatchSerializer.MANIFEST))
          .containsExactly(GOLDEN);
    }
    // before group batches carried what was persisted of the topic
    assertThat(serializer.fromBinary(V2.read(GOLDEN), GroupBatchSerializer.MANIFEST))
        .usingRecursiveComparison()
        .withStrictTypeChecking()
        .isEqualTo(twoPairs());
    assertThat(serializer.fromBinary(V3.read(GOLDEN), GroupBatchSerializer.MANIFEST))
        .usingRecursiveComparison()
        .withStrictTypeChecking()
        .isEqualTo(twoPairs(TOLD));
  }

  @Test
  void aPairsPartCostsItsBatchAndItsIdOnly() {
    GroupBatch group = twoPairs();
    int batches = 0;
    int ids = 0;
    for (GroupBatch.PairBatch pair : group.pairs()) {
      batches += JobBatchSerializer.write(pair.batch()).length;
      ids += pair.pair().entityId().length();
    }

    // a version byte and a count, then per pair two lengths; no record: one length
    assertThat(GroupBatchSerializer.write(group))
        .hasSize(1 + 4 + group.pairs().size() * 8 + ids + batches + 4);
  }

  @Test
  void bytesThatAreNotAGroupBatchAreUnreadableNotACrash() {
    GroupBatchSerializer serializer = new GroupBatchSerializer(null);
    byte[] good = GroupBatchSerializer.write(twoPairs());
    byte[] otherVersion = good.clone();
    otherVersion[0] = 3;
    byte[] told = GroupBatchSerializer.write(twoPairs(TOLD));
    byte[] hugePartitions = told.clone();
    // the record's partition count: two entries of 12 bytes from the end
    hugePartitions[told.length - 2 * 12 - 4] = 0x7F;
    byte[] hugeCount = good.clone();
    hugeCount[1] = 0x7F;

    for (byte[] bad :
        List.of(
            Arrays.copyOf(good, good.length - 1),
            Arrays.copyOf(good, good.length + 1),
            new byte[0],
            new byte[] {(byte) GroupBatchSerializer.VERSION, 0, 0, 0, 0},
            otherVersion,
            hugeCount,
            hugePartitions,
            Arrays.copyOf(told, told.length - 1))) {
      assertThatThrownBy(() -> serializer.fromBinary(bad, GroupBatchSerializer.MANIFEST))
          .isInstanceOf(NotSerializableException.class)
          .hasMessageStartingWith("cannot read a group batch");
    }
  }
}
