package dev.eventrouter.router.archive;

import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Where archived jobs are in the bucket: {@code
 * <prefix>/<source>/<destination>/<yyyy>/<MM>/<dd>/<HH>/<first job id>-<jobs>-<digest>.ndjson.gz},
 * the hour (UTC) being the jobs' creation hour and the digest a hash of all the object's job ids:
 * writing the same jobs again replaces their object with the same content, and different jobs never
 * replace another object. A pair's archive is listed by its prefix, a time range by the hours in
 * its keys; KSUIDs sort by time, so keys of one hour list in creation order. What replays took is
 * kept by pair and creation hour under {@code <prefix>-replays/}.
 */
public final class ArchiveKeys {

  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy/MM/dd/HH");
  private static final String SUFFIX = ".ndjson.gz";

  private final String prefix;

  /**
   * @param prefix the archive's folder in the bucket, without slashes at either end
   */
  public ArchiveKeys(String prefix) {
    this.prefix = prefix.replaceAll("^/+|/+$", "");
  }

  /**
   * @param jobs the object's job ids, in order
   */
  public String object(PairId pair, Instant hour, List<Ksuid> jobs) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    jobs.forEach(id -> sha256.update(id.toBytes()));
    String digest = HexFormat.of().formatHex(sha256.digest(), 0, 4);
    return pairPrefix(pair)
        + HOUR.format(hour.atZone(ZoneOffset.UTC))
        + "/"
        + jobs.get(0)
        + "-"
        + jobs.size()
        + "-"
        + digest
        + SUFFIX;
  }

  /** The prefix every object of the pair has. */
  public String pairPrefix(PairId pair) {
    return root() + pair.source() + "/" + pair.destination() + "/";
  }

  /**
   * What the keys of the pair's objects created at {@code from} or later sort after (and those of
   * earlier hours before): the folder of {@code from}'s hour, without the slash. Empty outside the
   * years 1970 to 9999, where hours do not sort as text.
   */
  public Optional<String> keysFrom(PairId pair, Instant from) {
    return hourFolder(pair, hour(from));
  }

  /**
   * What the keys of the pair's objects created before {@code to} sort before (and those of later
   * hours after): the folder of the hour after the last one before {@code to}. Empty as above.
   */
  public Optional<String> keysBefore(PairId pair, Instant to) {
    Instant last = hour(to.minusNanos(1));
    return last.isBefore(LAST_SORTED_HOUR)
        ? hourFolder(pair, last.plus(Duration.ofHours(1)))
        : Optional.empty();
  }

  private Optional<String> hourFolder(PairId pair, Instant hour) {
    if (hour.isBefore(Instant.EPOCH) || hour.isAfter(LAST_SORTED_HOUR)) {
      return Optional.empty();
    }
    return Optional.of(pairPrefix(pair) + HOUR.format(hour.atZone(ZoneOffset.UTC)));
  }

  private static final Instant LAST_SORTED_HOUR = Instant.parse("9999-12-31T23:00:00Z");

  /** The prefix of every archived object; its next segment is the source. */
  public String root() {
    return prefix.isEmpty() ? "" : prefix + "/";
  }

  /**
   * The folder of the replay claims of the pair's jobs created within an hour (see {@link
   * ReplayClaims}): the hour's archive folder under {@code <prefix>-replays/}, where earlier
   * versions kept the markers of that hour's objects.
   */
  public String replayClaims(PairId pair, Instant hour) {
    return (prefix.isEmpty() ? "archive" : prefix)
        + "-replays/"
        + pairPrefix(pair)
        + HOUR.format(hour.atZone(ZoneOffset.UTC))
        + "/";
  }

  /** The creation hour of the jobs in an object, read from its key; empty for other keys. */
  public Optional<Instant> hourOf(String key) {
    if (!key.endsWith(SUFFIX)) {
      return Optional.empty();
    }
    String[] parts = key.split("/");
    if (parts.length < 5) {
      return Optional.empty();
    }
    int n = parts.length;
    try {
      return Optional.of(
          LocalDateTime.of(
                  Integer.parseInt(parts[n - 5]),
                  Integer.parseInt(parts[n - 4]),
                  Integer.parseInt(parts[n - 3]),
                  Integer.parseInt(parts[n - 2]),
                  0)
              .toInstant(ZoneOffset.UTC));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The hour an instant lies in. */
  public static Instant hour(Instant at) {
    return at.truncatedTo(ChronoUnit.HOURS);
  }
}
