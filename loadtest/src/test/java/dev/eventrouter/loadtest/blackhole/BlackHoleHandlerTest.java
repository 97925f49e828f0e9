package dev.eventrouter.loadtest.blackhole;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BlackHoleHandlerTest {

  @Test
  void findsTheDestinationInEveryFormOfRequestTarget() {
    assertThat(destinationOf("/dest-a")).isEqualTo("dest-a");
    assertThat(destinationOf("/dest-a/hooks/segment")).isEqualTo("dest-a");
    assertThat(destinationOf("/dest-a?token=x/y")).isEqualTo("dest-a");
    assertThat(destinationOf("http://blackhole:9090/dest-a/x")).isEqualTo("dest-a");
    assertThat(destinationOf("/")).isEmpty();
    assertThat(destinationOf("http://blackhole:9090")).isEmpty();
    assertThat(destinationOf("*")).isEmpty();
  }

  @Test
  void readsOnlyTheTopLevelMessageIdOfABody() {
    assertThat(messageIdIn("{\"context\":{\"messageId\":\"inner\"},\"messageId\":\"outer\"}"))
        .isEqualTo("outer");
    assertThat(messageIdIn("{\"messageId\":42}")).isEmpty();
    assertThat(messageIdIn("[{\"messageId\":\"in-an-array\"}]")).isEmpty();
    assertThat(messageIdIn("{\"messageId\":")).isEmpty();
    assertThat(messageIdIn("")).isEmpty();
  }

  private static String destinationOf(String uri) {
    return BlackHoleHandler.firstSegment(BlackHoleHandler.path(uri));
  }

  private static String messageIdIn(String body) {
    return BlackHoleHandler.Body.of(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8))
        .messageId();
  }
}
