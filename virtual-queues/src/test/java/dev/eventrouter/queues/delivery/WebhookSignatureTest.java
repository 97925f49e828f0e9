package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The signature against the specification's published vector, keys and rotation. */
class WebhookSignatureTest {

  /** Standard Webhooks' test vector, as its reference libraries publish it. */
  static final String KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  static final long TIMESTAMP = 1614265330;
  static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
  static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

  /** A second key, as a rotation adds it: 32 random-looking bytes. */
  static final String NEXT_KEY =
      "whsec_"
          + Base64.getEncoder()
              .encodeToString(
                  "a second key of thirty-two bytes".getBytes(StandardCharsets.US_ASCII));

  @Test
  void signsThePublishedVector() {
    assertThat(WebhookSignature.sign(WebhookSignature.key("K", KEY), ID, TIMESTAMP, BODY))
        .isEqualTo(SIGNATURE);
  }

  @Test
  void takesAKeyWithoutItsPrefix() {
    assertThat(WebhookSignature.key("K", KEY.substring("whsec_".length())))
        .isEqualTo(WebhookSignature.key("K", KEY));
  }

  @Test
  void signsWithEveryKeyInTheirOrderEachVerifiableOnItsOwn() throws Exception {
    List<OutgoingRequest.Header> headers =
        WebhookSignature.headers(
            ID,
            TIMESTAMP,
            BODY,
            List.of(WebhookSignature.key("NEXT", NEXT_KEY), WebhookSignature.key("K", KEY)));
    Map<String, String> byName =
        headers.stream()
            .collect(Collectors.toMap(OutgoingRequest.Header::name, OutgoingRequest.Header::value));

    assertThat(byName)
        .containsOnlyKeys("webhook-id", "webhook-timestamp", "webhook-signature")
        .containsEntry("webhook-id", ID)
        .containsEntry("webhook-timestamp", "1614265330");
    String[] signatures = byName.get("webhook-signature").split(" ");
    assertThat(signatures).hasSize(2);
    assertThat(signatures[1]).isEqualTo(SIGNATURE);
    assertThat(signatures[0]).startsWith("v1,").isNotEqualTo(SIGNATURE);
    for (String key : List.of(KEY, NEXT_KEY)) {
      assertThat(
              WebhookReceiver.verify(
                  key, ID, "1614265330", byName.get("webhook-signature"), BODY, TIMESTAMP))
          .as(key)
          .isTrue();
    }
  }

  @Test
  void theReceiversCheckRefusesAnotherKeyAnotherBodyAndAnOldTimestamp() throws Exception {
    assertThat(WebhookReceiver.verify(KEY, ID, "1614265330", SIGNATURE, BODY, TIMESTAMP)).isTrue();
    assertThat(WebhookReceiver.verify(NEXT_KEY, ID, "1614265330", SIGNATURE, BODY, TIMESTAMP))
        .isFalse();
    assertThat(
            WebhookReceiver.verify(
                KEY,
                ID,
                "1614265330",
                SIGNATURE,
                "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8),
                TIMESTAMP))
        .isFalse();
    assertThat(
            WebhookReceiver.verify(
                KEY,
                ID,
                "1614265330",
                SIGNATURE,
                BODY,
                TIMESTAMP + WebhookReceiver.TOLERANCE_SECONDS + 1))
        .isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "whsec_not base64!", // not base64
        "whsec_c2hvcnQ=", // 5 bytes
        "whsec_MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM=", // 23 bytes
      })
  void refusesWhatIsNotAKeyWithoutQuotingIt(String value) {
    assertThatThrownBy(() -> WebhookSignature.key("HOOK_KEY", value))
        .isInstanceOf(InvalidSecretException.class)
        .hasMessageContaining("HOOK_KEY")
        .hasMessageNotContaining(value.substring("whsec_".length()));
  }

  @Test
  void refusesAKeyLongerThan512Bits() {
    String key = Base64.getEncoder().encodeToString(new byte[WebhookSignature.MAX_KEY_BYTES + 1]);
    assertThatThrownBy(() -> WebhookSignature.key("HOOK_KEY", key))
        .isInstanceOf(InvalidSecretException.class)
        .hasMessageContaining("65");
    assertThat(
            WebhookSignature.key(
                "HOOK_KEY",
                Base64.getEncoder().encodeToString(new byte[WebhookSignature.MAX_KEY_BYTES])))
        .hasSize(64);
  }
}
