package dev.eventrouter.router.kafka;

import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/** Consumer groups as the router's embedded broker needs them kept. */
public final class ConsumerGroups {

  private ConsumerGroups() {}

  /**
   * Removes every member the group has now; how many it had.
   *
   * <p>For the embedded broker, started a moment ago in this process: its group still lists the
   * consumer of the process that ran before, and if that one was killed (SIGKILL, power loss) it
   * never said it left. The broker keeps it for its whole session timeout (45 s by default) and
   * holds the rebalance that would admit the new consumer until then: no record would be read for
   * that long after each crash. A member removed while alive (another node reading this broker)
   * only joins again, and its offsets not yet committed are read again: a duplicate its queue
   * refuses, nothing lost.
   */
  public static int removeMembers(KafkaClientSettings client, String groupId) {
    try (Admin admin = Admin.create(client.with())) {
      ConsumerGroupDescription group =
          admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId).get();
      if (group.members().isEmpty()) {
        return 0;
      }
      admin
          .removeMembersFromConsumerGroup(groupId, new RemoveMembersFromConsumerGroupOptions())
          .all()
          .get();
      return group.members().size();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return 0;
      }
      throw new IllegalStateException(
          "cannot remove the members of consumer group '" + groupId + "': " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while removing members of " + groupId, e);
    }
  }
}
