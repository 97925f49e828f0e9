package dev.eventrouter.loadtest;

import dev.eventrouter.loadtest.result.RunSummary;
import dev.eventrouter.loadtest.run.ScenarioRunner;
import dev.eventrouter.loadtest.scenario.Scenario;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    description =
        "Run a scenario end to end (black hole, router, producer), audit every job and write"
            + " summary.json and report.html; exits 1 if any job was lost, 2 if it could not run.")
final class RunCommand implements Callable<Integer> {

  @Parameters(
      index = "0",
      paramLabel = "SCENARIO",
      description = "The scenario file (HOCON), e.g. loadtest/scenarios/steady-state.conf.")
  Path scenarioFile;

  @Option(
      names = "--out",
      description =
          "Folder for the report, the summary and the router's data (default: target/loadtest/<scenario>).")
  Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Scenario scenario;
    try {
      scenario = Scenario.load(scenarioFile);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Path folder = out != null ? out : Path.of("target", "loadtest", scenario.name());
    try {
      RunSummary summary = new ScenarioRunner(scenario, folder, spec.commandLine().getOut()).run();
      return summary.passed() ? 0 : 1;
    } catch (IllegalArgumentException | IllegalStateException cannotRun) {
      // no router jar, a router that would not start, a registry refused: said in one line
      spec.commandLine().getErr().println("the scenario could not run: " + cannotRun.getMessage());
      return 2;
    }
  }
}
