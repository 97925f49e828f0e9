package dev.eventrouter.router.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.TestRouter;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver};
 * skipped where they are not installed), driven by clicks alone as an operator would during an
 * incident: find the destination whose backlog grows, see why (paused), resume it, follow one job
 * to its delivery, start a replay; fix a registry and re-drive the dead letters it caused.
 * Screenshots go to {@code target/console-screenshots} (those in {@code docs/console} were taken
 * from there).
 */
@ExtendWith(LogCapturingExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private static final String OPERATE = "operate-token-0123456789";
  private static final String READ = "read-token-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

  @TempDir static Path dataDir;
  @TempDir Path profile;
  static BlackHole blackHole;
  static Router router;
  ChromeDriver browser;
  WebDriverWait await;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "the console's browser tests need Debian's chromium and chromium-driver ("
            + CHROMIUM
            + ", "
            + CHROMEDRIVER
            + "): apt-get install -y chromium chromium-driver; skipped");
    blackHole = BlackHole.start("127.0.0.1", 0);
    Path registry = dataDir.resolve("registry.conf");
    Files.writeString(
        registry,
        """
        destinations {
          hook { endpoint = "%s" }
          held { endpoint = "%s" }
        }
        sources {
          shop { destinations = [hook] }
          blog { destinations = [held] }
        }
        """
            .formatted(blackHole.url("hook"), blackHole.url("held")));
    router =
        TestRouter.start(
            TestRouter.config(
                dataDir,
                registry,
                Map.of(
                    "eventrouter.admin.operate-token", OPERATE,
                    "eventrouter.admin.read-token", READ)));
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void stop() {
    if (router != null) {
      router.close();
    }
    if (blackHole != null) {
      blackHole.close();
    }
  }

  @BeforeEach
  void openBrowser() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    // a closed network: nothing in the background may try to reach out
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
    await = new WebDriverWait(browser, WAIT);
    // the pages are drawn again at every refresh: an element found may be replaced before it is
    // read
    await.ignoring(StaleElementReferenceException.class);
  }

  /**
   * What the browser showed when a test failed, taken before it closes:
   * target/console-screenshots/failed-*.png.
   */
  @RegisterExtension
  final AfterTestExecutionCallback onFailure =
      context ->
          context
              .getExecutionException()
              .ifPresent(
                  cause -> {
                    try {
                      screenshot("failed-" + context.getRequiredTestMethod().getName());
                    } catch (IOException | RuntimeException e) {
                      cause.addSuppressed(e);
                    }
                  });

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @Test
  @Order(1)
  void anOperatorFindsTheGrowingBacklogSeesWhyResumesAndFollowsAJobByClicksAlone()
      throws Exception {
    signIn(OPERATE);
    assertThat(text(By.id("who"))).isEqualTo("admin (operate)");

    // pause the destination from its page
    click(By.linkText("held"));
    await.until(ExpectedConditions.textToBe(By.id("paused"), "no"));
    click(By.cssSelector("button[data-lever='Pause']"));
    await.until(ExpectedConditions.textToBe(By.id("paused"), "yes"));

    // traffic arrives while it is paused: its backlog grows on the destinations page
    click(By.id("nav-destinations"));
    List<String> sent = produce("blog", 30);
    await.until(
        ExpectedConditions.textToBe(
            By.cssSelector("tr[data-destination='held'] td.backlog"), "30"));
    assertThat(text(By.cssSelector("tr[data-destination='held'] td.paused"))).isEqualTo("paused");
    // and another destination delivers meanwhile, steadily: its rate is shown beside
    CompletableFuture<List<String>> steady =
        CompletableFuture.supplyAsync(() -> produce("shop", 400, 25));
    await.until(
        driver -> {
          String rate = text(By.cssSelector("tr[data-destination='hook'] td.rate"));
          return !rate.equals("0") && !rate.equals("–");
        });
    assertThat(text(By.cssSelector("tr[data-destination='hook'] td.breaker"))).isEqualTo("CLOSED");
    screenshot("destinations");
    assertThat(steady.get(WAIT.toSeconds(), TimeUnit.SECONDS)).hasSize(400);

    // which pair holds it, and why
    click(By.id("nav-pairs"));
    click(By.linkText("blog"));
    await.until(ExpectedConditions.textToBe(By.id("depth"), "30"));
    assertThat(text(By.id("paused"))).isEqualTo("yes");
    await.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("a.job"), 10));
    String jobId = text(By.cssSelector("a.job"));
    screenshot("pair");

    // resume the destination, from the pair's page
    click(By.linkText("held"));
    click(By.cssSelector("button[data-lever='Resume']"));
    await.until(ExpectedConditions.textToBe(By.id("paused"), "no"));
    await.until(ExpectedConditions.textToBe(By.id("depth"), "0"));
    assertThat(blackHole.deliveries().get("held").keySet())
        .containsExactlyInAnyOrderElementsOf(sent);

    // one job, followed to its delivery
    click(By.linkText("blog"));
    await.until(ExpectedConditions.elementToBeClickable(By.linkText(jobId)));
    click(By.linkText(jobId));
    await.until(
        ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("tbody"), "succeeded"));
    List<String> steps =
        await.until(
            driver ->
                driver.findElements(By.cssSelector("tr.step")).stream()
                    .map(WebElement::getText)
                    .toList());
    assertThat(steps.get(0)).startsWith("awaiting_scheduling");
    assertThat(steps.get(steps.size() - 1)).startsWith("succeeded").contains(" 1 ").contains("200");
    screenshot("job-trace");

    // a replay, started and watched
    click(By.id("nav-replays"));
    type(By.id("field-destination"), "held");
    click(By.cssSelector("button[data-lever='Start']"));
    await.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("td.run-status"), "DONE"));
    assertThat(text(By.cssSelector("tr.run"))).contains("all → held").contains("\"enqueued\":0");
    screenshot("replays");
  }

  @Test
  @Order(2)
  void aReadTokenSeesNoLeversAndTheTokenIsNotInTheUrl() {
    signIn(READ);
    assertThat(text(By.id("who"))).isEqualTo("reader (read)");
    click(By.linkText("held"));
    await.until(ExpectedConditions.presenceOfElementLocated(By.id("depth")));
    assertThat(browser.findElements(By.cssSelector("button[data-lever]"))).isEmpty();
    click(By.id("nav-registry"));
    await.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("view"), "needs an operate token"));
    assertThat(browser.getCurrentUrl()).doesNotContain(READ);
    assertThat(
            (String)
                ((JavascriptExecutor) browser)
                    .executeScript("return sessionStorage.getItem('eventrouter.console.token')"))
        .isEqualTo(READ);
    click(By.id("logout"));
    await.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
  }

  @Test
  @Order(3)
  void markupAnErrorEchoesIsShownAsTextAndNeverRuns() {
    signIn(OPERATE);
    click(By.id("nav-replays"));
    String markup = "<img src=x onerror=\"window.injected=1\">";
    type(By.id("field-destination"), markup);
    click(By.cssSelector("button[data-lever='Start']"));
    await.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("#view p.error"), "destination must match"));
    assertThat(text(By.cssSelector("#view p.error"))).contains(markup);
    assertThat(browser.findElements(By.cssSelector("#view img"))).isEmpty();
    assertThat(((JavascriptExecutor) browser).executeScript("return window.injected"))
        .as("the markup never ran")
        .isNull();
    // a wrong token is refused where it is typed
    click(By.id("logout"));
    type(By.id("token"), "not-a-token-of-this-router");
    click(By.id("login-button"));
    await.until(ExpectedConditions.textToBe(By.id("login-error"), "That token is not valid."));
  }

  @Test
  @Order(4)
  void deadLettersOfASourceAddedInTheRegistryPageAreRedrivenFromTheConsole() throws Exception {
    List<String> sent = produce("late", 5);
    signIn(OPERATE);
    click(By.id("nav-registry"));
    // the registry stored through the API is loaded into the editor first (none yet: empty)
    await.until(
        driver -> !driver.findElement(By.cssSelector("#view span.muted")).getText().isEmpty());
    WebElement text = browser.findElement(By.id("registry-text"));
    // a mistake first: refused, and said where it is
    text.sendKeys("destinations { broken { } }");
    click(By.cssSelector("button[data-lever='Save']"));
    await.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("#view p.error"), "invalid registry"));
    text.clear();
    text.sendKeys(
        """
        destinations {
          hook { endpoint = "%s" }
          held { endpoint = "%s" }
        }
        sources {
          shop { destinations = [hook] }
          blog { destinations = [held] }
          late { destinations = [hook] }
        }
        """
            .formatted(blackHole.url("hook"), blackHole.url("held")));
    click(By.cssSelector("button[data-lever='Save']"));
    await.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("#view p.result"), "\"sources\":3"));

    click(By.id("nav-dead-letters"));
    type(By.id("field-source"), "late");
    click(By.cssSelector("button[data-lever='Start']"));
    await.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("td.run-status"), "DONE"));
    assertThat(text(By.cssSelector("tr.run")))
        .contains("unknown-source of late")
        .contains("\"redriven\":5");
    await.until(
        driver -> blackHole.deliveries().getOrDefault("hook", Map.of()).keySet().containsAll(sent));
    screenshot("dead-letters");
  }

  @Test
  @Order(5)
  void everyConsoleFileIsServedUnderAStrictContentSecurityPolicyWithNoMarkupFromStrings()
      throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (String file : List.of("/console/", "/console/app.js", "/console/console.css")) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort() + file))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(file).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Security-Policy"))
          .as(file)
          .hasValueSatisfying(
              csp ->
                  assertThat(csp)
                      .startsWith("default-src 'self'")
                      .contains("script-src 'self'")
                      .contains("style-src 'self'")
                      .doesNotContain("unsafe"));
      assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }
    // text only: nothing in the console turns a string into markup
    for (String module : List.of("app.js", "api.js", "dom.js", "chart.js", "index.html")) {
      String source =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:" + router.httpPort() + "/console/" + module))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(source)
          .as(module)
          .doesNotContain("innerHTML")
          .doesNotContain("outerHTML")
          .doesNotContain("insertAdjacentHTML")
          .doesNotContain("document.write")
          .doesNotContain("eval(")
          .doesNotContain("style=\"")
          .doesNotContain("<script>");
    }
  }

  private void signIn(String token) {
    browser.get("http://127.0.0.1:" + router.httpPort() + "/console");
    await.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
    type(By.id("token"), token);
    click(By.id("login-button"));
    await.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
    await.until(
        ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-destination]")));
  }

  private void click(By by) {
    await.until(ExpectedConditions.elementToBeClickable(by)).click();
  }

  /** Types into a field of a view that may still be drawing after the click that opened it. */
  private void type(By by, String keys) {
    await.until(ExpectedConditions.visibilityOfElementLocated(by)).sendKeys(keys);
  }

  private String text(By by) {
    return await.until(driver -> driver.findElement(by).getText());
  }

  private void screenshot(String name) throws IOException {
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(
        shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  private static List<String> produce(String source, int events) {
    return produce(source, events, 0);
  }

  /**
   * @param ratePerSecond 0: as fast as it can
   */
  private static List<String> produce(String source, int events, double ratePerSecond) {
    EventProducer.Result produced =
        EventProducer.run(
            new EventProducer.Plan(
                router.kafkaBootstrapServers(),
                "events",
                events,
                List.of(source),
                200,
                ratePerSecond,
                5));
    assertThat(produced.failed()).isZero();
    return produced.produced().stream().map(EventProducer.Produced::messageId).distinct().toList();
  }
}
