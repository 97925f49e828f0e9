package dev.eventrouter.loadtest.blast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpAnswerReaderTest {

  private static HttpAnswerReader reader(String answers) {
    return new HttpAnswerReader(
        new BufferedInputStream(
            new ByteArrayInputStream(answers.getBytes(StandardCharsets.US_ASCII))));
  }

  @Test
  void readsAnswersOneAfterTheOtherSkippingTheirBodies() throws IOException {
    HttpAnswerReader answers =
        reader(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 16\r\n\r\n{\"success\":true}"
                + "HTTP/1.1 204 No Content\r\n\r\n"
                + "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nContent-Length:   12\r\n\r\nHTTP/1.1 500"
                + "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");

    assertThat(answers.next()).isEqualTo(200);
    assertThat(answers.closing()).isFalse();
    assertThat(answers.next()).isEqualTo(204);
    assertThat(answers.next()).isEqualTo(429);
    assertThat(answers.next()).isEqualTo(503);
    assertThat(answers.closing()).isTrue();
    assertThatThrownBy(answers::next)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void refusesWhatItCannotRead() {
    assertThatThrownBy(
            reader("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
                ::next)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("chunked");
    assertThatThrownBy(reader("SSH-2.0-OpenSSH_9.6\r\n")::next)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not an HTTP status line");
    assertThatThrownBy(reader("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")::next)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("within a body");
  }
}
