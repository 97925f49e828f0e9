package dev.eventrouter.loadtest.blast;

import dev.eventrouter.loadtest.produce.SegmentEvents;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.random.RandomGenerator;
import java.util.zip.GZIPOutputStream;

/**
 * Whole HTTP/1.1 requests to the Segment tracking API, as an SDK sends them: a single {@code POST
 * /v1/track}, or {@code POST /v1/batch} with {@code batch} events, the write key as basic
 * authentication (user = key, empty password), the body gzipped or not. Events are the producer's
 * Segment-style track events ({@link SegmentEvents}), each with its own messageId.
 */
public final class SegmentRequests {

  /** The source named in user ids; the router takes the source from the write key. */
  private static final String SOURCE = "load";

  private final String path;
  private final int batch;
  private final int eventBytes;
  private final boolean gzip;
  private final byte[] headers;

  /**
   * @param batch events per request; 0 for single {@code /v1/track} calls
   * @param eventBytes the size of each event's JSON, before gzip
   */
  public SegmentRequests(URI base, String writeKey, int batch, int eventBytes, boolean gzip) {
    if (batch < 0 || eventBytes < 1) {
      throw new IllegalArgumentException(
          "batch must be 0 (single calls) or more, eventBytes at least 1");
    }
    this.batch = batch;
    this.eventBytes = eventBytes;
    this.gzip = gzip;
    String prefix =
        base.getRawPath().endsWith("/")
            ? base.getRawPath().substring(0, base.getRawPath().length() - 1)
            : base.getRawPath();
    this.path = prefix + (batch == 0 ? "/v1/track" : "/v1/batch");
    String authorization =
        Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
    this.headers =
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: "
                + base.getHost()
                + ":"
                + base.getPort()
                + "\r\n"
                + "User-Agent: eventrouter-loadtest\r\nAuthorization: Basic "
                + authorization
                + "\r\n"
                + "Content-Type: application/json\r\n"
                + (gzip ? "Content-Encoding: gzip\r\n" : "")
                + "Content-Length: ")
            .getBytes(StandardCharsets.US_ASCII);
  }

  public String path() {
    return path;
  }

  /** Events one request carries. */
  public int eventsPerRequest() {
    return Math.max(1, batch);
  }

  /**
   * One request whose events have messageIds {@code idPrefix + n} for n from {@code firstId} on.
   */
  public byte[] request(String idPrefix, long firstId, Instant sentAt, RandomGenerator random) {
    byte[] body =
        gzip
            ? gzip(json(idPrefix, firstId, sentAt, random))
            : json(idPrefix, firstId, sentAt, random);
    ByteArrayOutputStream request = new ByteArrayOutputStream(headers.length + 16 + body.length);
    request.writeBytes(headers);
    request.writeBytes((body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    request.writeBytes(body);
    return request.toByteArray();
  }

  private byte[] json(String idPrefix, long firstId, Instant sentAt, RandomGenerator random) {
    if (batch == 0) {
      return SegmentEvents.event("track", SOURCE, idPrefix + firstId, sentAt, eventBytes, random);
    }
    ByteArrayOutputStream json = new ByteArrayOutputStream(batch * (eventBytes + 1) + 64);
    json.writeBytes("{\"batch\":[".getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < batch; i++) {
      if (i > 0) {
        json.write(',');
      }
      json.writeBytes(
          SegmentEvents.event(
              "track", SOURCE, idPrefix + (firstId + i), sentAt, eventBytes, random));
    }
    json.writeBytes(("],\"sentAt\":\"" + sentAt + "\"}").getBytes(StandardCharsets.US_ASCII));
    return json.toByteArray();
  }

  private static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream zipped = new ByteArrayOutputStream(bytes.length / 2 + 64);
    try (GZIPOutputStream out = new GZIPOutputStream(zipped)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot happen: writing to memory", e);
    }
    return zipped.toByteArray();
  }
}
