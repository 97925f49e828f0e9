package dev.eventrouter.loadtest.result;

import java.util.Map;

/**
 * One second of a run.
 *
 * @param seconds since producing started
 * @param producedPerSecond events acknowledged by Kafka in this second
 * @param deliveredPerSecond per destination, requests the black hole answered 2xx in this second
 * @param refusedPerSecond per destination, requests it refused (errors, 429s, resets, holds)
 * @param retriesPerSecond retries the routers scheduled in this second
 * @param backlog jobs waiting in the routers' queues
 * @param p50Millis latency of this second's first deliveries, from the event's sentAt, per
 *     destination and under "all"; absent where there were none
 * @param heapUsedBytes the routers' heap in use
 * @param concurrencyLimit each destination's adaptive concurrency limit, summed over the routers
 */
public record Sample(
    double seconds,
    double producedPerSecond,
    Map<String, Double> deliveredPerSecond,
    Map<String, Double> refusedPerSecond,
    double retriesPerSecond,
    double backlog,
    Map<String, Double> p50Millis,
    Map<String, Double> p99Millis,
    double heapUsedBytes,
    Map<String, Double> concurrencyLimit) {}
