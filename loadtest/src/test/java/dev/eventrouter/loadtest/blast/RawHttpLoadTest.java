package dev.eventrouter.loadtest.blast;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.loadtest.blackhole.Behaviours;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RawHttpLoadTest {

  @Test
  void countsWhatTheBlackHoleAnsweredAndHowItAnswered() throws Exception {
    try (BlackHole blackHole =
        BlackHole.start(
            new BlackHole.Options(
                "127.0.0.1",
                0,
                1,
                1 << 20,
                Behaviours.of(ConfigFactory.parseString("destinations.picky.reject-rate = 1"))))) {
      RawHttpLoad.Result ok =
          RawHttpLoad.run(URI.create(blackHole.url("blast")), 2, 4, 512, Duration.ofMillis(500));
      RawHttpLoad.Result refused =
          RawHttpLoad.run(URI.create(blackHole.url("picky")), 1, 4, 512, Duration.ofMillis(300));

      assertThat(ok.requests()).isPositive().isEqualTo(blackHole.received());
      assertThat(ok.failures()).isZero();
      assertThat(blackHole.deliveries().get("blast")).hasSize((int) ok.requests());
      assertThat(refused.requests()).isZero();
      assertThat(refused.failures())
          .isPositive()
          .isEqualTo(blackHole.rejected().get("picky").size());
    }
  }
}
