package dev.eventrouter.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.eventrouter.loadtest.parity.BuildSeen;
import dev.eventrouter.loadtest.parity.ParityDiff;
import dev.eventrouter.loadtest.parity.ParityJournal;
import dev.eventrouter.loadtest.parity.ParityReport;
import dev.eventrouter.loadtest.parity.ParityRun;
import dev.eventrouter.loadtest.scenario.Scenario;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "parity",
    description =
        "Prove that two router builds show a user the same thing: `run` plays one input"
            + " through both, `diff` compares two runs' seen.json again.",
    subcommands = {ParityCommand.Run.class, ParityCommand.Diff.class})
final class ParityCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand: run or diff");
  }

  /** Exit codes of both subcommands. */
  static final int SAME = 0;

  static final int DIFFERENT = 1;
  static final int COULD_NOT_RUN = 2;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Command(
      name = "run",
      description =
          "Play the scenario's seeded events through router build A, then B (each on a"
              + " fresh journal, its registry set through the operator API, SIGKILLed after the same"
              + " number of deliveries and started again on its journal), the destinations answering by"
              + " (destination, messageId, attempt) alone; then compare job by job what each destination"
              + " received and how each job ended. Writes <out>/parity.md and parity.json, and each"
              + " build's seen.json. Exits 0 if nothing differs, 1 if something does or a build did not"
              + " drain, 2 if it could not run.")
  static final class Run implements Callable<Integer> {

    @Parameters(
        index = "0",
        paramLabel = "SCENARIO",
        description =
            "The input (HOCON), e.g. loadtest/scenarios/parity.conf: no outages nor rate limits (they draw on time).")
    Path scenarioFile;

    @Option(
        names = "--a",
        required = true,
        paramLabel = "JAR",
        description = "Router build A, e.g. today's main.")
    Path jarA;

    @Option(
        names = "--b",
        required = true,
        paramLabel = "JAR",
        description = "Router build B, e.g. the rewrite.")
    Path jarB;

    @Option(
        names = "--a-label",
        defaultValue = "a",
        description = "A's name in the report and its folder (${DEFAULT-VALUE}).")
    String labelA;

    @Option(names = "--b-label", defaultValue = "b", description = "B's name (${DEFAULT-VALUE}).")
    String labelB;

    @Option(
        names = "--bootstrap",
        required = true,
        description =
            "The Kafka broker both builds read from, each from a topic of its own (loadtest/bench/parity.sh starts one).")
    String bootstrap;

    @Option(
        names = "--port-base",
        defaultValue = "19000",
        description =
            "Router HTTP on base+80, cluster base+520, S3 base+100, black hole base+90 (${DEFAULT-VALUE}).")
    int portBase;

    @Option(
        names = "--kill-after",
        defaultValue = "1000",
        description =
            "SIGKILL each router once the destinations answered this many requests 200, then start it again; 0: no kill (${DEFAULT-VALUE}).")
    long killAfter;

    @Option(
        names = "--answer-seed",
        defaultValue = "1",
        description =
            "Seeds each destination's answers, drawn from (destination, messageId, attempt) (${DEFAULT-VALUE}).")
    long answerSeed;

    @Option(
        names = "--stamped-from",
        description =
            "Event n's sentAt and Kafka record time (hence the job ids) are this instant plus n ms (default: now, to the second).")
    Instant stampedFrom;

    @Option(
        names = "--journal",
        defaultValue = "h2",
        description =
            "h2 (the router's embedded file), postgres or mariadb (the local servers at 127.0.0.1:5432 and :3306) (${DEFAULT-VALUE}).")
    String journal;

    @Option(
        names = "--journal-database",
        defaultValue = "eventrouter_parity",
        description =
            "With postgres or mariadb: this database is dropped and made again before each build; no other is touched (${DEFAULT-VALUE}).")
    String journalDatabase;

    @Option(
        names = "--router-env",
        paramLabel = "KEY=VALUE",
        description =
            "More environment for both routers (repeatable), e.g. a journal: ROUTER_JOURNAL_DATABASE=postgres.")
    Map<String, String> routerEnvironment = Map.of();

    @Option(
        names = "--a-env",
        paramLabel = "KEY=VALUE",
        description =
            "More environment for A's router only (repeatable): one jar can be compared with itself under two settings,"
                + " e.g. JAVA_TOOL_OPTIONS=-Deventrouter....")
    Map<String, String> environmentA = Map.of();

    @Option(
        names = "--b-env",
        paramLabel = "KEY=VALUE",
        description = "More environment for B's router only (repeatable).")
    Map<String, String> environmentB = Map.of();

    @Option(
        names = "--out",
        description =
            "Folder for the report and each build's data (default: target/parity/<scenario>); each build's subfolder is replaced.")
    Path out;

    @Option(
        names = "--show",
        defaultValue = "20",
        description = "Differences listed in the report (${DEFAULT-VALUE}).")
    int show;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Scenario scenario = scenario();
      Path folder = out != null ? out : Path.of("target", "parity", scenario.name());
      Instant stamp =
          stampedFrom != null ? stampedFrom : Instant.now().truncatedTo(ChronoUnit.SECONDS);
      PrintWriter console = spec.commandLine().getOut();
      ParityRun run =
          new ParityRun(
              new ParityRun.Settings(
                  scenario,
                  folder,
                  bootstrap,
                  portBase,
                  killAfter,
                  answerSeed,
                  stamp,
                  journal(),
                  routerEnvironment),
              console);
      BuildSeen a;
      BuildSeen b;
      try {
        a = run.run(new ParityRun.Build(labelA, jarA, environmentA));
        b = run.run(new ParityRun.Build(labelB, jarB, environmentB));
      } catch (IllegalArgumentException | IllegalStateException cannotRun) {
        spec.commandLine().getErr().println("parity could not run: " + cannotRun.getMessage());
        return COULD_NOT_RUN;
      }
      List<String> header =
          List.of(
              "command: `loadtest "
                  + String.join(" ", spec.commandLine().getParseResult().originalArgs())
                  + "`",
              "",
              "machine: "
                  + Runtime.getRuntime().availableProcessors()
                  + " cores, Java "
                  + System.getProperty("java.version")
                  + ", load average at the end "
                  + loadAverage(),
              "",
              "input: scenario "
                  + scenario.name()
                  + " ("
                  + scenarioFile
                  + "), "
                  + scenario.events()
                  + " events, seed "
                  + scenario.seed()
                  + ", answers seeded "
                  + answerSeed
                  + ", stamped from "
                  + stamp
                  + ", SIGKILL after "
                  + killAfter
                  + " deliveries"
                  + (killAfter == 0 ? " (none)" : "")
                  + ", journal "
                  + journal);
      return report(folder, header, a, b, show, console);
    }

    private ParityJournal journal() {
      if (journal.equals("h2")) {
        return new ParityJournal.H2();
      }
      try {
        return ParityJournal.Server.local(journal, journalDatabase);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--journal: " + e.getMessage());
      }
    }

    private static String loadAverage() {
      try {
        return String.join(
            " ",
            Arrays.asList(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
      } catch (IOException | RuntimeException notLinux) {
        return "unknown";
      }
    }

    private Scenario scenario() {
      Scenario scenario;
      try {
        scenario = Scenario.load(scenarioFile);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      if (!(scenario.target() instanceof Scenario.Embedded)) {
        throw new ParameterException(
            spec.commandLine(), "parity starts each build itself: router.mode must be embedded");
      }
      if (scenario.behaviours().dependsOnTime()) {
        throw new ParameterException(
            spec.commandLine(),
            scenarioFile
                + " has outages or rate limits:"
                + " their answers draw on time, so two builds would not get the same ones");
      }
      if (labelA.equals(labelB)) {
        throw new ParameterException(
            spec.commandLine(),
            "--a-label and --b-label name each build's folder: they must differ");
      }
      return scenario;
    }
  }

  @Command(
      name = "diff",
      description =
          "Compare two builds' seen.json (written by `parity run`) again; writes the report"
              + " next to the first unless --out. Exits 0 if nothing differs, 1 if something does.")
  static final class Diff implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "A")
    Path seenA;

    @Parameters(index = "1", paramLabel = "B")
    Path seenB;

    @Option(
        names = "--out",
        description =
            "Folder for parity.md and parity.json (default: the folder above A's seen.json).")
    Path out;

    @Option(
        names = "--show",
        defaultValue = "20",
        description = "Differences listed in the report (${DEFAULT-VALUE}).")
    int show;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      BuildSeen a = BuildSeen.read(seenA);
      BuildSeen b = BuildSeen.read(seenB);
      Path folder = out != null ? out : seenA.toAbsolutePath().getParent().getParent();
      return report(
          folder,
          List.of("compared again from " + seenA + " and " + seenB),
          a,
          b,
          show,
          spec.commandLine().getOut());
    }
  }

  private static int report(
      Path folder, List<String> header, BuildSeen a, BuildSeen b, int show, PrintWriter console)
      throws IOException {
    ParityDiff.Report report = ParityDiff.compare(a, b, show);
    String markdown = ParityReport.markdown(header, a, b, report);
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("parity.md"), markdown);
    JSON.writeValue(folder.resolve("parity.json").toFile(), report);
    console.println(markdown);
    console.println("report: " + folder.resolve("parity.md"));
    console.flush();
    boolean drained = a.facts().drained() && b.facts().drained();
    if (!drained) {
      console.println(
          "a build did not drain: some jobs never ended (see the table); that fails the run too");
    }
    return report.same() && drained ? SAME : DIFFERENT;
  }
}
