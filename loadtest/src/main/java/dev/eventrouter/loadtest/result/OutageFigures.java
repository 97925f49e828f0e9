package dev.eventrouter.loadtest.result;

/**
 * How the destinations without an outage fared during one, against before it.
 *
 * @param healthyThroughputRatio their delivered/s during the outage over before it
 * @param healthyP99Ratio their p99 latency during over before
 * @param secondsToDrain from the outage's end until the backlog was back to its level before the
 *     outage; -1 if it never was
 */
public record OutageFigures(
    String destination,
    double startSeconds,
    double endSeconds,
    double successRate,
    double healthyDeliveredPerSecondBefore,
    double healthyDeliveredPerSecondDuring,
    double healthyThroughputRatio,
    double healthyP99MillisBefore,
    double healthyP99MillisDuring,
    double healthyP99Ratio,
    double secondsToDrain) {}
