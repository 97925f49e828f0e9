package dev.eventrouter.router.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** The router's topics: created when they are missing (an existing topic is left as it is). */
public final class Topics {

  private static final Duration NEW_TOPIC_GRACE = Duration.ofSeconds(10);

  private Topics() {}

  public record Spec(String name, int partitions, short replicationFactor, long maxMessageBytes) {}

  public static void createIfMissing(KafkaClientSettings client, List<Spec> specs) {
    try (Admin admin = Admin.create(client.with())) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = new ArrayList<>();
      for (Spec spec : specs) {
        if (!existing.contains(spec.name())) {
          missing.add(
              new NewTopic(spec.name(), spec.partitions(), spec.replicationFactor())
                  .configs(Map.of("max.message.bytes", Long.toString(spec.maxMessageBytes()))));
        }
      }
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get();
      }
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException(
            "cannot create the topics " + specs + ": " + e.getCause(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  /**
   * Kafka's id of the topic: a topic deleted and made again under the same name has another one
   * (and counts its offsets from zero again).
   */
  public static String topicId(KafkaClientSettings client, String topic) {
    try (Admin admin = Admin.create(client.with())) {
      return admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get()
          .get(topic)
          .topicId()
          .toString();
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot read the id of topic '" + topic + "': " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading topic " + topic, e);
    }
  }

  /**
   * How many partitions the topic has; fails, saying so, when it does not exist. A topic just
   * created may take a moment to be known to every broker: an unknown topic is asked again for up
   * to {@link #NEW_TOPIC_GRACE}.
   */
  public static int partitions(KafkaClientSettings client, String topic) {
    long deadline = System.nanoTime() + NEW_TOPIC_GRACE.toNanos();
    try (Admin admin = Admin.create(client.with())) {
      while (true) {
        try {
          return admin
              .describeTopics(List.of(topic))
              .allTopicNames()
              .get()
              .get(topic)
              .partitions()
              .size();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
              || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(200);
        }
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot read the partitions of topic '"
              + topic
              + "' from "
              + client.bootstrapServers()
              + " (create the topic, or let the router: eventrouter.kafka.create-topics): "
              + e.getCause(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading topic " + topic, e);
    }
  }
}
