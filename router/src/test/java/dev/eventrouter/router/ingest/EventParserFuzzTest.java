package dev.eventrouter.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.router.filter.FieldSelection;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Thousands of hostile values, from a fixed seed (a failure is reproduced by its seed and index):
 * random bytes, mutations of a good event, deep nesting, huge strings and numbers, wrong types,
 * invalid UTF-8. The parser never throws; whatever it accepts, a strict JSON parser reads as one
 * object with that messageId, a string of 1 to 256 characters without control characters.
 */
class EventParserFuzzTest {

  private static final long SEED = 20261126L;
  private static final int CASES = 20_000;
  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final EventParser parser = new EventParser(64);

  @Test
  void neverThrowsAndAcceptsOnlyWhatAStrictParserReadsTheSame() {
    Random random = new Random(SEED);
    int accepted = 0;
    for (int i = 0; i < CASES; i++) {
      byte[] value = HostileValues.next(random);
      EventParser.Result result = parser.parse(value, FieldSelection.NONE);
      if (result instanceof EventParser.Parsed parsed) {
        accepted++;
        JsonNode tree = strict(value, i);
        assertThat(tree.isObject()).as("case %d", i).isTrue();
        assertThat(tree.get("messageId").textValue())
            .as("case %d", i)
            .isEqualTo(parsed.messageId());
        assertThat(parsed.messageId())
            .as("case %d", i)
            .hasSizeBetween(1, 256)
            .doesNotContainPattern("\\p{Cntrl}");
      } else {
        EventParser.Invalid invalid = (EventParser.Invalid) result;
        assertThat(invalid.reason())
            .as("case %d", i)
            .isIn(Rejection.NOT_JSON, Rejection.NO_MESSAGE_ID);
        assertThat(invalid.detail()).as("case %d", i).isNotBlank().hasSizeLessThan(300);
      }
    }
    // the generator makes both kinds: a parser refusing everything would not pass
    assertThat(accepted).isBetween(CASES / 20, CASES - CASES / 20);
  }

  private static JsonNode strict(byte[] value, int index) {
    try {
      return STRICT.readTree(value);
    } catch (Exception e) {
      throw new AssertionError(
          "case " + index + " was accepted but is not strict JSON: " + e.getMessage());
    }
  }
}
