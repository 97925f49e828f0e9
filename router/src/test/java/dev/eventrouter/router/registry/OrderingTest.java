package dev.eventrouter.router.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.router.filter.EventFields;
import dev.eventrouter.router.filter.FieldPath;
import dev.eventrouter.router.filter.FieldValue;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrderingTest {

  private static final FieldPath USER_ID = FieldPath.parse("userId");
  private static final FieldPath ANONYMOUS_ID = FieldPath.parse("anonymousId");
  private static final Ordering BY_USER = new Ordering(List.of(USER_ID, ANONYMOUS_ID));

  @Test
  void aBlankUserIdIsNoKeyTheAnonymousIdIs() {
    long device = BY_USER.keyOf(fields(Map.of(ANONYMOUS_ID, "device-1")));
    long otherDevice = BY_USER.keyOf(fields(Map.of(ANONYMOUS_ID, "device-2")));

    assertThat(BY_USER.keyOf(fields(Map.of(USER_ID, "", ANONYMOUS_ID, "device-1"))))
        .isEqualTo(device);
    assertThat(BY_USER.keyOf(fields(Map.of(USER_ID, "  ", ANONYMOUS_ID, "device-2"))))
        .isEqualTo(otherDevice)
        .isNotEqualTo(device);
  }

  @Test
  void anEventWhoseKeysAreAllBlankGoesInNoOrder() {
    assertThat(BY_USER.keyOf(fields(Map.of(USER_ID, "", ANONYMOUS_ID, ""))))
        .isEqualTo(Job.UNORDERED);
  }

  @Test
  void aUserIdThatIsNotBlankIsTheKey() {
    assertThat(BY_USER.keyOf(fields(Map.of(USER_ID, "u-1", ANONYMOUS_ID, "device-1"))))
        .isEqualTo(BY_USER.keyOf(fields(Map.of(USER_ID, "u-1"))))
        .isNotEqualTo(BY_USER.keyOf(fields(Map.of(ANONYMOUS_ID, "device-1"))));
  }

  private static EventFields fields(Map<FieldPath, String> texts) {
    Map<FieldPath, FieldValue> values = new HashMap<>();
    texts.forEach((field, text) -> values.put(field, new FieldValue.Text(text)));
    return new EventFields(values);
  }
}
