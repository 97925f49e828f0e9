package dev.eventrouter.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.router.filter.EventFields;
import dev.eventrouter.router.filter.FieldSelection;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventParserTest {

  private final EventParser parser = new EventParser(64);

  @Test
  void findsTheMessageIdOfASegmentEvent() {
    String event =
        """
        {"type":"track","event":"Order Completed","userId":"u1",
         "properties":{"revenue":19.99,"items":[{"sku":"a"},{"sku":"b"}],"messageId":"nested"},
         "messageId":"m-123","timestamp":"2026-11-26T10:00:00Z"}""";

    assertThat(parser.parse(bytes(event), FieldSelection.NONE))
        .isEqualTo(new EventParser.Parsed("m-123", EventFields.NONE));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not json",
        "",
        "[1,2,3]",
        "\"a string\"",
        "42",
        "{\"messageId\":\"m\"",
        "{\"messageId\":\"m\"} trailing",
        "{\"messageId\":\"m\"}{\"messageId\":\"n\"}",
        "{messageId:\"m\"}"
      })
  void rejectsWhatIsNotOneJsonObject(String value) {
    assertThat(parser.parse(bytes(value), FieldSelection.NONE))
        .isInstanceOfSatisfying(
            EventParser.Invalid.class,
            invalid -> assertThat(invalid.reason()).isEqualTo(Rejection.NOT_JSON));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"type\":\"track\"}|the event has no messageId",
        "{\"messageId\":42}|messageId must be a non-empty string",
        "{\"messageId\":null}|messageId must be a non-empty string",
        "{\"messageId\":\"  \"}|messageId must be a non-empty string",
        "{\"messageId\":{\"a\":1}}|messageId must be a non-empty string",
        "{\"messageId\":\"m\\ud800\"}|messageId has a lone UTF-16 surrogate (half of a character)",
        "{\"messageId\":\"\\udc00m\"}|messageId has a lone UTF-16 surrogate (half of a character)",
        "{\"messageId\":\"m\\ud800\\ud800\\udc00\"}|messageId has a lone UTF-16 surrogate (half of a character)"
      })
  void rejectsAnEventWithoutAUsableMessageId(String value, String detail) {
    assertThat(parser.parse(bytes(value), FieldSelection.NONE))
        .isEqualTo(new EventParser.Invalid(Rejection.NO_MESSAGE_ID, detail));
  }

  /**
   * A destination's parser may keep the first of two equal keys where the router kept another: the
   * event the router deduplicates on would not be the event delivered. Any duplicate key, at any
   * depth, and however its name is escaped, makes the record not-json.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"messageId\":\"a\",\"messageId\":\"b\"}",
        "{\"messageId\":\"a\",\"messag\\u0065Id\":\"b\"}",
        "{\"messageId\":\"a\",\"properties\":{\"sku\":\"x\",\"sku\":\"y\"}}",
        "{\"messageId\":\"a\",\"context\":{\"ip\":{\"v\":1,\"v\":2}}}",
        "{\"messageId\":\"a\",\"items\":[{\"sku\":\"x\"},{\"sku\":\"y\",\"s\\u006bu\":\"z\"}]}",
        "{\"type\":\"track\",\"type\":\"identify\",\"messageId\":\"a\"}"
      })
  void rejectsAnEventWithADuplicateKeyAnywhere(String value) {
    assertThat(parser.parse(bytes(value), FieldSelection.NONE))
        .isInstanceOfSatisfying(
            EventParser.Invalid.class,
            invalid -> {
              assertThat(invalid.reason()).isEqualTo(Rejection.NOT_JSON);
              assertThat(invalid.detail()).containsIgnoringCase("duplicate");
            });
  }

  @Test
  void takesAMessageIdWithWholeCharactersOutsideTheBasicPlane() {
    assertThat(
            parser.parse(
                bytes("{\"messageId\":\"m-\\ud83d\\ude00-\uD83D\uDE00\"}"), FieldSelection.NONE))
        .isInstanceOfSatisfying(
            EventParser.Parsed.class,
            parsed -> assertThat(parsed.messageId()).isEqualTo("m-\uD83D\uDE00-\uD83D\uDE00"));
  }

  @Test
  void rejectsAnOverlongMessageId() {
    String id = "x".repeat(EventParser.MAX_MESSAGE_ID_LENGTH + 1);
    assertThat(parser.parse(bytes("{\"messageId\":\"" + id + "\"}"), FieldSelection.NONE))
        .isInstanceOfSatisfying(
            EventParser.Invalid.class,
            invalid -> assertThat(invalid.reason()).isEqualTo(Rejection.NO_MESSAGE_ID));
  }

  @Test
  void rejectsInvalidUtf8() {
    byte[] value = bytes("{\"messageId\":\"m\",\"name\":\"__\"}");
    value[value.length - 4] = (byte) 0xC3;
    value[value.length - 3] = (byte) 0x28;

    assertThat(parser.parse(value, FieldSelection.NONE))
        .isInstanceOfSatisfying(
            EventParser.Invalid.class,
            invalid -> assertThat(invalid.reason()).isEqualTo(Rejection.NOT_JSON));
  }

  @Test
  void rejectsNestingDeeperThanTheLimitWithoutQuotingThePayload() {
    String deep = "{\"messageId\":\"m\",\"p\":" + "[".repeat(100) + "]".repeat(100) + "}";

    assertThat(parser.parse(bytes(deep), FieldSelection.NONE))
        .isInstanceOfSatisfying(
            EventParser.Invalid.class,
            invalid -> {
              assertThat(invalid.reason()).isEqualTo(Rejection.NOT_JSON);
              assertThat(invalid.detail()).doesNotContain("[[[[");
            });
  }

  @Test
  void keepsPayloadsOutOfTheDetail() {
    String secret = "SECRET-" + "y".repeat(500);
    EventParser.Result result =
        parser.parse(bytes("{\"messageId\":\"m\", \"k\": " + secret + "}"), FieldSelection.NONE);

    assertThat(result)
        .isInstanceOfSatisfying(
            EventParser.Invalid.class,
            invalid ->
                assertThat(invalid.detail())
                    .hasSizeLessThanOrEqualTo(200)
                    .doesNotContain("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
