package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/** The queues' layout setting: a value it does not know stops the node with its name. */
class LayoutTest {

  @Test
  void eachLayoutIsReadByItsName() {
    assertThat(VirtualQueues.Layout.fromConfig(ConfigFactory.load()))
        .isEqualTo(VirtualQueues.Layout.PAIRS);
    assertThat(
            VirtualQueues.Layout.fromConfig(
                ConfigFactory.parseString("eventrouter.virtual-queue.layout = groups")))
        .isEqualTo(VirtualQueues.Layout.GROUPS);
  }

  @Test
  void anUnknownLayoutIsRefusedWithTheChoices() {
    assertThatThrownBy(
            () ->
                VirtualQueues.Layout.fromConfig(
                    ConfigFactory.parseString("eventrouter.virtual-queue.layout = shards")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("eventrouter.virtual-queue.layout must be pairs or groups, not 'shards'");
  }
}
