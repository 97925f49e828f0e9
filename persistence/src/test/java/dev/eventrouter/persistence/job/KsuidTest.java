package dev.eventrouter.persistence.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KsuidTest {

  @Test
  void readsAndWritesTheReferenceImplementationsExample() {
    // from segmentio/ksuid's README: `ksuid -f inspect 0ujtsYcgvSTl8PAuAdqWYSMnLOv`
    Ksuid id = Ksuid.parse("0ujtsYcgvSTl8PAuAdqWYSMnLOv");

    assertThat(HexFormat.of().withUpperCase().formatHex(id.toBytes()))
        .isEqualTo("0669F7EFB5A1CD34B5F99D1154FB6853345C9735");
    assertThat(id.time().getEpochSecond()).isEqualTo(Ksuid.EPOCH_SECONDS + 107_608_047L);
    assertThat(id.toString()).isEqualTo("0ujtsYcgvSTl8PAuAdqWYSMnLOv");
  }

  @Test
  void coversTheWholeRange() {
    byte[] max = new byte[Ksuid.BYTES];
    Arrays.fill(max, (byte) 0xFF);

    assertThat(Ksuid.fromBytes(new byte[Ksuid.BYTES]).toString()).isEqualTo("0".repeat(27));
    assertThat(Ksuid.fromBytes(max).toString()).isEqualTo("aWgEPTl1tmebfsQzFP4bxwgy80V");
    assertThat(Ksuid.parse("aWgEPTl1tmebfsQzFP4bxwgy80V").toBytes()).isEqualTo(max);
  }

  @Test
  void textAndBytesRoundTripAcrossTheRange() {
    Random random = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      byte[] bytes = new byte[Ksuid.BYTES];
      random.nextBytes(bytes);
      // leading zero bytes exercise the short numbers, whose text starts with zeros
      Arrays.fill(bytes, 0, random.nextInt(Ksuid.BYTES), (byte) 0);
      String text = Ksuid.fromBytes(bytes).toString();
      assertThat(text).hasSize(27);
      assertThat(Ksuid.parse(text).toBytes()).isEqualTo(bytes);
    }
  }

  @Test
  void comparesAndEqualsAsItsBytesDo() {
    Random random = new Random(11);
    List<byte[]> all = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      byte[] bytes = new byte[Ksuid.BYTES];
      random.nextBytes(bytes);
      if (i % 2 == 1) {
        // a shared prefix of any length, all twenty bytes included: each part of the order decides
        System.arraycopy(all.get(i - 1), 0, bytes, 0, random.nextInt(Ksuid.BYTES + 1));
      }
      all.add(bytes);
    }
    for (int i = 1; i < all.size(); i++) {
      byte[] first = all.get(i - 1);
      byte[] second = all.get(i);
      Ksuid a = Ksuid.fromBytes(first);
      Ksuid b = Ksuid.fromBytes(second);
      assertThat(Integer.signum(a.compareTo(b)))
          .isEqualTo(Integer.signum(Arrays.compareUnsigned(first, second)));
      assertThat(a.equals(b)).isEqualTo(Arrays.equals(first, second));
      assertThat(Ksuid.fromBytes(first.clone())).isEqualTo(a).hasSameHashCodeAs(a);
    }
  }

  @Test
  void readsItsTwentyBytesAtAnOffset() {
    byte[] bytes = new byte[Ksuid.BYTES + 3];
    new Random(5).nextBytes(bytes);

    assertThat(Ksuid.fromBytes(bytes, 3).toBytes())
        .isEqualTo(Arrays.copyOfRange(bytes, 3, 3 + Ksuid.BYTES));
    assertThatThrownBy(() -> Ksuid.fromBytes(bytes, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("19");
  }

  @Test
  void derivesTheSameIdFromTheSameRecord() {
    Instant time = Instant.parse("2026-11-26T10:15:30.123Z");

    Ksuid first = Ksuid.derive(time, "source-1", "message-1", "webhook");
    Ksuid again = Ksuid.derive(time, "source-1", "message-1", "webhook");

    assertThat(again).isEqualTo(first).hasSameHashCodeAs(first);
    assertThat(first.time()).isEqualTo(Instant.parse("2026-11-26T10:15:30Z"));
  }

  @Test
  void derivesDifferentIdsForDifferentParts() {
    Instant time = Instant.parse("2026-11-26T10:15:30Z");

    assertThat(Ksuid.derive(time, "s", "m", "a")).isNotEqualTo(Ksuid.derive(time, "s", "m", "b"));
    assertThat(Ksuid.derive(time, "ab", "c")).isNotEqualTo(Ksuid.derive(time, "a", "bc"));
    assertThat(Ksuid.derive(time, "s", "m", "a"))
        .isNotEqualTo(Ksuid.derive(time.plusSeconds(1), "s", "m", "a"));
  }

  @Test
  void clampsTimesOutsideTheKsuidRange() {
    assertThat(Ksuid.derive(Instant.parse("1960-01-01T00:00:00Z"), "x").time())
        .isEqualTo(Instant.ofEpochSecond(Ksuid.EPOCH_SECONDS));
    assertThat(Ksuid.derive(Instant.parse("2200-01-01T00:00:00Z"), "x").time())
        .isEqualTo(Instant.ofEpochSecond(Ksuid.EPOCH_SECONDS + 0xFFFF_FFFFL));
  }

  @Test
  void textOrderIsTimeOrder() {
    Random random = new Random(42);
    List<Ksuid> ids = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      ids.add(
          Ksuid.derive(
              Instant.ofEpochSecond(Ksuid.EPOCH_SECONDS + random.nextInt(1 << 30)),
              Integer.toString(random.nextInt())));
    }

    List<Ksuid> byBytes = ids.stream().sorted().toList();
    List<String> byText = ids.stream().map(Ksuid::toString).sorted().toList();

    assertThat(byBytes.stream().map(Ksuid::toString).toList()).isEqualTo(byText);
    for (int i = 1; i < byBytes.size(); i++) {
      assertThat(byBytes.get(i).time()).isAfterOrEqualTo(byBytes.get(i - 1).time());
    }
    byBytes.forEach(id -> assertThat(Ksuid.parse(id.toString())).isEqualTo(id));
  }

  @Test
  void rejectsMalformedText() {
    assertThatThrownBy(() -> Ksuid.parse("short")).hasMessageContaining("27 characters");
    assertThatThrownBy(() -> Ksuid.parse("0ujtsYcgvSTl8PAuAdqWYSMnLO!"))
        .hasMessageContaining("base-62");
    assertThatThrownBy(() -> Ksuid.parse("zzzzzzzzzzzzzzzzzzzzzzzzzzz"))
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> Ksuid.fromBytes(new byte[19])).hasMessageContaining("20 bytes");
  }
}
