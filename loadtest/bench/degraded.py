#!/usr/bin/env python3
"""Figures of a degraded-destinations run (issue 16), from its summary.json.

Usage: loadtest/bench/degraded.py target/loadtest/degraded-destinations/summary.json \
           [--capacity half-failing=3 --capacity slowing=8] [--after slowing=30]

Per destination: its concurrency limit over time (min / median / max of the router's gauge,
sampled each second, in the seconds it received requests), its median against the capacity the
black hole serves it with (requests at once; --after: only samples from that second on),
delivered/s while producing and over its whole delivery time, requests refused per job
delivered (retries per job), time to drain (its last delivery, from the end of producing), and
for every destination the median, mean and worst of its per-second p99 latencies.

--warm-up S: the rate while producing and the p99s count only from second S on: a fresh router
and black hole spend their first seconds compiling (BENCHMARKS.md, "A thread per enqueue"), which measures the
JVMs, not how one destination affects another.
"""
import argparse
import json
import statistics


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("summary")
    parser.add_argument("--capacity", action="append", default=[])
    parser.add_argument("--after", action="append", default=[])
    parser.add_argument("--warm-up", type=float, default=0.0)
    args = parser.parse_args()
    capacity = {k: float(v) for k, v in (c.split("=") for c in args.capacity)}
    after = {k: float(v) for k, v in (a.split("=") for a in args.after)}
    with open(args.summary) as f:
        summary = json.load(f)
    samples = summary["samples"]
    producing = summary["producingSeconds"]
    destinations = sorted({d for s in samples for d in s["deliveredPerSecond"]})
    print(f"scenario {summary['scenario']}; {summary['machine']}; producing {producing:.0f} s, "
          f"{summary['totalSeconds']:.0f} s in all")
    print("| destination | limit min / median / max | limit median vs capacity | delivered/s producing"
          " / over its delivery time | delivered | refused per job | drained after | p99 median / mean / max (ms) |")
    print("|---|---|---|---|---|---|---|---|")
    for d in destinations:
        previous = 0.0
        delivered = refused = 0.0
        last_delivery = 0.0
        first_delivery = None
        producing_delivered = 0.0
        limits, p99s = [], []
        for s in samples:
            interval = s["seconds"] - previous
            previous = s["seconds"]
            got = s["deliveredPerSecond"].get(d, 0.0) * interval
            delivered += got
            refused += s["refusedPerSecond"].get(d, 0.0) * interval
            if got > 0:
                last_delivery = s["seconds"]
                first_delivery = first_delivery if first_delivery is not None else s["seconds"]
            if args.warm_up < s["seconds"] <= producing:
                producing_delivered += got
            limit = (s.get("concurrencyLimit") or {}).get(d)
            active = got > 0 or s["refusedPerSecond"].get(d, 0.0) > 0
            if limit is not None and active and s["seconds"] >= after.get(d, 0):
                limits.append(limit)
            if d in s["p99Millis"] and s["seconds"] > args.warm_up:
                p99s.append(s["p99Millis"][d])
        lim = (f"{min(limits):.0f} / {statistics.median(limits):.0f} / {max(limits):.0f}"
               if limits else "-")
        vs = (f"{statistics.median(limits):.0f} vs {capacity[d]:.0f}"
              f" ({statistics.median(limits) / capacity[d]:.2f}x)"
              if limits and d in capacity else "-")
        span = max(1e-9, last_delivery - (first_delivery or 0))
        p99 = (f"{statistics.median(p99s):.0f} / {statistics.mean(p99s):.0f} / {max(p99s):.0f}"
               if p99s else "-")
        per_job = (f"{refused / delivered:.2f}" if delivered
                   else f"{refused:.0f} refused, none delivered")
        print(f"| {d} | {lim} | {vs} | {producing_delivered / (producing - args.warm_up):.1f} / {delivered / span:.1f}"
              f" | {delivered:.0f} | {per_job} | {max(0, last_delivery - producing):.0f} s | {p99} |")

if __name__ == "__main__":
    main()
