package dev.eventrouter.loadtest.result;

import dev.eventrouter.loadtest.audit.Audit;
import java.util.List;
import java.util.Map;

/** What a scenario run found: written as its {@code summary.json}, rendered as its report. */
public record RunSummary(
    String scenario,
    String description,
    String machine,
    String started,
    double producingSeconds,
    double totalSeconds,
    double targetRate,
    Audit.Result audit,
    Map<String, Double> retriesByAttempt,
    List<OutageFigures> outages,
    double heapHighWaterBytes,
    List<Sample> samples,
    boolean passed) {}
