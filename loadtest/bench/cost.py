#!/usr/bin/env python3
"""Cost per job: what accepting and delivering a job costs, per process, measured apart.

Usage (after `mvn -q -B -o -P '!image-local' -DskipTests package`):

  loadtest/bench/cost.py [options] PHASES...

PHASES (any of; they run in this order): cost, e2e, steps, recover, backlog, pairs, ceilings, soak.
Default: cost e2e ceilings.

  cost      for each journal x variant x round (A, B, A, B): a fresh journal database and
            consumer group; the router is started once on an empty topic to pause every
            destination (the pause is persisted), stopped, then started on the run's filled
            topic. ACCEPT: every event is read and its jobs journaled while nothing is sent.
            DRAIN: the destinations are resumed, the black hole receives the backlog.
  e2e       the same cells, destinations not paused, the producer running at --e2e-rate
            (0 = full speed) into an empty topic: deliveries/s with the producer on the cores.
            The window lasts --seconds whether or not the producer is still producing (noted
            when it finished inside: give more --e2e-events or a --e2e-rate); also the
            producer's start to the last delivery, as e2e.sh.
  steps     end to end at rates a router can hold: a fresh router per journal x variant x round,
            warmed up on --warmup-events produced at full speed and delivered, then the producer
            paced at each of --step-rates (events/s) in turn, --step-seconds each, each step's new
            producer warmed up first on --producer-warmup-events sent to a topic nothing reads (the
            step's clock starts once they are sent) (--steps-go-on: past
            a step not held too, to see whether a later, lower rate catches up); the window is the
            middle half of the step. A step is HELD when its deliveries/s reach 97 % of the jobs/s
            the producer offered (at the pace it kept) and every job is delivered within 5 s of
            the producer's end; the steps stop at the first one not held. Per-job figures at a held
            rate are those of a router that keeps up, unlike e2e at a rate it cannot hold, where
            batches grow as it falls behind and each job costs less. Latency p50/p99/max: of the
            first deliveries in the window, from the event's sentAt (the time the paced producer
            was due to send it) to its 200 at the black hole (GET /stats/latency).
  ceilings  the parts alone: a bare Kafka consumer on the filled topic, the black hole under
            raw HTTP (`loadtest blast`), batched JDBC inserts of rows of the journal's mean
            payload size into each journal database (`loadtest ceiling jdbc`).
  recover   a router behind, while traffic goes on: a fresh router per journal x variant x round,
            warmed up as in steps; every destination paused while --recover-backlog events are
            produced at full speed and accepted (a backlog past the node's payload memory); then
            the producer paced at --recover-rate events/s for --recover-seconds and, 5 s into it,
            the destinations resumed. Window: --seconds from 10 s after the resume; also the
            seconds from the resume until every job was delivered, and the payloads read back
            per job. The same backlog every time, where a burst leaves one that varies. Then a
            second window, CAUGHT UP: from 10 s after the backlog's last job was delivered to
            3 s before the producer's end (none if under 15 s: give more --recover-seconds),
            where a router that caught up reads no payload back.
  backlog   the cost cell with one source to one destination and --small-heap-java-opts
            (-Xmx1g): --backlog-events jobs held for the paused pair (heap after a full GC
            while holding them), then drained (BENCHMARKS.md's backlog.sh, folded in).
  pairs     --pairs sources each to one destination, --pairs-jobs events each, already in a
            topic, read by a fresh router with --pairs-java-opts (-Xmx3g) and nothing paused
            (pairs.sh, folded in; the topic is filled before the router starts, so the producer
            is not on the cores).
  soak      the first journal and variant, producer paced at --soak-rate events/s (default:
            80 % of the e2e window's deliveries/s measured in this run, in events), for --soak-minutes;
            every --soak-sample-seconds: heap after a full GC, journal rows, snapshot rows and
            bytes, table and index sizes. They must stay flat. On a PostgreSQL server with
            autovacuum off it runs VACUUM on the journal's tables at each sample, as autovacuum
            would (else deleted rows' space is never reused and the tables grow regardless).

A column marked SHORT ran out of work before --seconds; SLOW-EDGE: reading an edge (counters,
CPU, or the journal query) took more than 1 % of the window, so per-job figures mix instants
(seen only on an overloaded machine).

Every phase skips its warm-up: the first --warmup-events events (their jobs) of a phase are
not measured; the window then lasts --seconds, or ends early (flagged SHORT) if the phase runs
out of work. The drain of the cost phase may skip more (--drain-warmup-jobs deliveries): its code
paths do not run while accepting, and the JIT compiles them for a minute and more. Counters and
CPU are read at both edges of the window: rates are deltas over the window, per-job figures are
deltas divided by the jobs the window moved.

Processes: the Kafka broker runs in a process of its own (the router's EmbeddedKafka, through
loadtest/bench/Broker.java), so the router's CPU excludes it. H2 runs inside the router's
process (embedded, its URL with AUTO_SERVER=TRUE so that this script can count rows).
The router's CPU is also split by thread, from each thread's name (THREAD_GROUPS): its JIT
compilers, whose share says how far the window is from a warmed-up router (a phase's code paths
may start cold even after the warm-up: the drain's are not run while accepting), its garbage
collector, its actors (Pekko's dispatchers), its delivery client's event loop, its journal's
connection pool (Slick, with H2 inside it) and the rest. Their context switches per job, by the
same groups (/proc/<pid>/task/*/status), count the hand-offs between threads: a thread that
parks to wait for work and is woken for the next message.

Variants: --variant 'NAME: ITEM...' with ITEMs -Dkey=value / -Xoption (router JVM options),
ENV=value (router environment), jar=PATH (another router jar, e.g. today's main). Default:
one variant 'base' with the jar of this checkout. Rounds run the variants in turn: A, B, A, B.

Ports (all overridable with --port-base, default 18000): router HTTP base+80, cluster
base+520, black hole base+90, Kafka base+92 and base+93, embedded S3 base+100.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOADTEST_JAR = ROOT / "loadtest/target/eventrouter-loadtest.jar"
# where producers warm up (--producer-warmup-events); the broker makes it, nothing reads it
PRODUCER_WARM_UP_TOPIC = "bench-producer-warm-up"
ROUTER_JAR = ROOT / "router/target/eventrouter.jar"
TICKS = os.sysconf("SC_CLK_TCK")
TOKEN = "bench-admin-token-0123456789"


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- /proc
def stat_of(path):
    """(comm, the fields after it) of a /proc stat file; None if it is gone."""
    try:
        with open(path) as f:
            raw = f.read()
    except OSError:
        return None
    return raw[raw.index("(") + 1:raw.rindex(")")], raw.rsplit(")", 1)[1].split()


def cpu_us(fields, children=False):
    """utime+stime (with children: also their cutime+cstime) of stat fields, in microseconds."""
    # fields[0] is field 3 (state): utime=14, stime=15, cutime=16, cstime=17
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks * 1_000_000 // TICKS


def proc_cpu_us(pid, children=False):
    """utime+stime of a process (all its threads) in microseconds; None if it is gone."""
    stat = stat_of(f"/proc/{pid}/stat")
    return None if stat is None else cpu_us(stat[1], children)


# Which part of the router a thread's name (its 15-character comm) says it is, first match wins.
THREAD_GROUPS = [
    ("jit", re.compile(r"C[12] CompilerThre")),
    ("gc", re.compile(r"GC Thread|G1 |VM Thread")),
    ("actors", re.compile(r"eventrouter-pek")),
    ("delivery", re.compile(r"delivery-")),
    ("journal_pool", re.compile(r"db-\d")),
]


def router_threads(pid):
    """The CPU (microseconds) and the context switches (voluntary, as when a thread parks to wait
    for work, and not) of the router's threads by THREAD_GROUPS (the rest as "other"): two dicts.
    Threads that ended between two readings are missed: the groups can sum to less than the
    process."""
    names = [name for name, _ in THREAD_GROUPS] + ["other"]
    cpu, switches = dict.fromkeys(names, 0), dict.fromkeys(names, 0)
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return cpu, switches
    for tid in tids:
        stat = stat_of(f"/proc/{pid}/task/{tid}/stat")
        if stat is None:
            continue
        comm, fields = stat
        group = next((name for name, pattern in THREAD_GROUPS if pattern.match(comm)), "other")
        cpu[group] += cpu_us(fields)
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                switches[group] += sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)
        except OSError:
            pass
    return cpu, switches


def child_cpu_us(p):
    """CPU of a child process (a Popen) in microseconds, also once it has exited: reaped here
    with wait4, whose rusage is exactly what it used over its life (/proc forgets it). Sets
    p.returncode when it reaps."""
    if getattr(p, "cpu_us_at_exit", None) is not None:
        return p.cpu_us_at_exit
    if p.returncode is None:
        try:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        except ChildProcessError:
            pid = 0
        if pid == 0:
            return proc_cpu_us(p.pid)
        p.returncode = os.waitstatus_to_exitcode(status)
        p.cpu_us_at_exit = int((usage.ru_utime + usage.ru_stime) * 1_000_000)
        return p.cpu_us_at_exit
    return None


def running(p):
    child_cpu_us(p)
    return p.returncode is None


def proc_io(pid):
    try:
        with open(f"/proc/{pid}/io") as f:
            return {k: int(v) for k, v in (line.split(": ") for line in f)}
    except (FileNotFoundError, PermissionError):
        return {}


def processes_named(*names):
    """pid -> (ppid, comm) of every process whose comm is one of names."""
    found = {}
    for entry in os.listdir("/proc"):
        stat = stat_of(f"/proc/{entry}/stat") if entry.isdigit() else None
        if stat is not None and stat[0] in names:
            found[int(entry)] = (int(stat[1][1]), stat[0])
    return found


def db_server_cpu_us(kind):
    """CPU of the whole database server: every process of it, plus what its exited children
    (backends, autovacuum workers) used, as the postmaster's cutime+cstime. None for H2."""
    if kind == "postgres":
        procs = processes_named("postgres")
        total = 0
        for pid, (ppid, _) in procs.items():
            postmaster = ppid not in procs
            cpu = proc_cpu_us(pid, children=postmaster)
            total += cpu or 0
        return total
    if kind == "mariadb":
        return sum(proc_cpu_us(pid, children=True) or 0 for pid in processes_named("mariadbd", "mysqld"))
    return None


# ---------------------------------------------------------------- HTTP
def http(method, url, token=None, timeout=10):
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read().decode()


def metrics(port):
    """Router /metrics summed by metric name (labels dropped), and each labelled series by its
    name with its labels as written."""
    out = {}
    for line in http("GET", f"http://127.0.0.1:{port}/metrics").splitlines():
        if not line or line[0] == "#":
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if m:
            out[m.group(1)] = out.get(m.group(1), 0.0) + float(m.group(3))
            if m.group(2):
                out[m.group(1) + m.group(2)] = float(m.group(3))
    return out


def wait_for(what, check, limit_s, every=0.5):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except Exception:
            pass
        time.sleep(every)
    raise RuntimeError(f"timed out after {limit_s} s waiting for {what}")


# ---------------------------------------------------------------- the journal database
class Journal:
    """A journal database of one kind (h2, postgres, mariadb): URLs, a fresh start, and the
    counts read at each window edge through one `loadtest sql` process."""

    def __init__(self, kind, args, cell_dir):
        self.kind, self.args, self.cell_dir = kind, args, cell_dir
        self.db = args.database
        self.sql = None
        if kind == "postgres":
            self.url = f"jdbc:postgresql://{args.pg_host}:{args.pg_port}/{self.db}?reWriteBatchedInserts=true"
            self.user, self.password = "postgres", ""
        elif kind == "mariadb":
            self.url = f"jdbc:mariadb://{args.mariadb_host}:{args.mariadb_port}/{self.db}"
            self.user, self.password = "root", ""
        else:
            # the router's own H2 URL (JournalSettings.h2Url) with AUTO_SERVER=TRUE, so that this
            # script can count rows while the router holds the file; H2 refuses AUTO_SERVER with
            # DB_CLOSE_ON_EXIT=FALSE, so that one goes (it only matters at the JVM's exit)
            self.url = (f"jdbc:h2:file:{cell_dir}/data/journal/journal;DATABASE_TO_UPPER=false;"
                        "WRITE_DELAY=0;AUTO_SERVER=TRUE")
            self.user, self.password = "sa", ""

    def router_env(self):
        env = {"ROUTER_JOURNAL_DATABASE": self.kind, "ROUTER_JOURNAL_URL": self.url}
        if self.kind != "h2":
            env.update(ROUTER_JOURNAL_USER=self.user, ROUTER_JOURNAL_PASSWORD=self.password)
        return env

    def fresh(self):
        """Only this script's own database (--database) is ever dropped."""
        if self.kind == "postgres":
            psql = self.psql()
            exists = subprocess.run(psql + ["-c", f"SELECT 1 FROM pg_database WHERE datname = '{self.db}'"],
                                    capture_output=True, text=True, check=True).stdout.strip()
            if not exists:
                subprocess.run(psql + ["-c", f"CREATE DATABASE {self.db}"], check=True)
            subprocess.run(psql + ["-d", self.db, "-c",
                                   "DROP TABLE IF EXISTS event_journal, event_tag, snapshot, journal_layout, bench_ceiling CASCADE"],
                           check=True)
        elif self.kind == "mariadb":
            my = ["mariadb", "-h", self.args.mariadb_host, "-P", str(self.args.mariadb_port), "-u", "root"]
            subprocess.run(my + ["-e", f"DROP DATABASE IF EXISTS {self.db}; CREATE DATABASE {self.db}"], check=True)
        # h2: the cell's data folder is new

    def psql(self):
        """The psql command of this script's PostgreSQL server, without a database."""
        return ["psql", "-h", self.args.pg_host, "-p", str(self.args.pg_port), "-U", "postgres", "-qtA"]

    def open(self):
        self.sql = subprocess.Popen(["java", "-jar", str(LOADTEST_JAR), "sql", "--url", self.url,
                                     "--user", self.user, "--password", self.password],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def close(self):
        if self.sql:
            self.sql.stdin.close()
            self.sql.wait(10)
            self.sql = None

    def query(self, q):
        self.sql.stdin.write(q + "\n")
        self.sql.stdin.flush()
        rows = []
        while True:
            line = self.sql.stdout.readline()
            if not line:
                raise RuntimeError("the sql helper exited")
            line = line.rstrip("\n")
            if line == "END":
                break
            if line.startswith("ERROR "):
                raise RuntimeError(f"{q}: {line}")
            if line.startswith("ROW\t"):  # anything else is a log line of the helper
                rows.append(line.split("\t")[1:])
        return rows

    def one(self, q):
        rows = self.query(q)
        return [float(v) if v not in ("null", "None") else 0.0 for v in rows[0]]

    def snapshots_since(self, since_ms):
        """Snapshot rows written since (their `created` time) and still there, and their
        bytes: a lower bound of what was written (a snapshot replaced again within the window
        is not counted)."""
        q = ('SELECT count(*), coalesce(sum({len}("snapshot_payload")),0) FROM "snapshot" WHERE "created" >= {t}'
             if self.kind == "h2" else
             "SELECT count(*), coalesce(sum({len}(snapshot_payload)),0) FROM snapshot WHERE created >= {t}")
        return self.one(q.format(len="length" if self.kind == "mariadb" else "octet_length", t=int(since_ms)))

    def sample(self):
        """Journal counts at this instant. ordering is the journal's sequence: its max moves by
        the rows inserted (exactly, barring rolled-back inserts); deleted = inserted - growth."""
        if self.kind == "postgres":
            v = self.one(
                "SELECT (SELECT coalesce(max(ordering),0) FROM event_journal), (SELECT count(*) FROM event_journal),"
                " (SELECT count(*) FROM snapshot), (SELECT coalesce(sum(octet_length(snapshot_payload)),0) FROM snapshot),"
                " pg_relation_size('event_journal'), pg_indexes_size('event_journal'),"
                " pg_total_relation_size('event_journal'), pg_total_relation_size('snapshot'),"
                " pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0'),"
                " (SELECT n_tup_ins + n_tup_upd FROM pg_stat_user_tables WHERE relname = 'snapshot'),"
                " (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())")
            keys = ["max_ordering", "rows", "snap_rows", "snap_bytes", "table_bytes", "index_bytes",
                    "journal_total_bytes", "snap_total_bytes", "wal_bytes", "snap_writes_pgstat", "commits"]
        elif self.kind == "mariadb":
            v = self.one(
                "SELECT (SELECT coalesce(max(ordering),0) FROM event_journal), (SELECT count(*) FROM event_journal),"
                " (SELECT count(*) FROM snapshot), (SELECT coalesce(sum(length(snapshot_payload)),0) FROM snapshot),"
                " (SELECT data_length FROM information_schema.TABLES WHERE table_schema = database() AND table_name = 'event_journal'),"
                " (SELECT index_length FROM information_schema.TABLES WHERE table_schema = database() AND table_name = 'event_journal'),"
                " (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_OS_LOG_WRITTEN')")
            keys = ["max_ordering", "rows", "snap_rows", "snap_bytes", "table_bytes", "index_bytes", "wal_bytes"]
        else:
            v = self.one(
                'SELECT (SELECT coalesce(max("ordering"),0) FROM "event_journal"), (SELECT count(*) FROM "event_journal"),'
                ' (SELECT count(*) FROM "snapshot"), (SELECT coalesce(sum(octet_length("snapshot_payload")),0) FROM "snapshot")')
            keys = ["max_ordering", "rows", "snap_rows", "snap_bytes"]
            mv = self.cell_dir / "data/journal/journal.mv.db"
            v.append(mv.stat().st_size if mv.exists() else 0)
            keys.append("file_bytes")
        return dict(zip(keys, v))

    def backend_pids(self):
        """PostgreSQL: the server processes serving this database's connections (the
        router's pool, and this script's one)."""
        if self.kind != "postgres":
            return None
        return [int(r[0]) for r in self.query(
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.db}' AND pid <> pg_backend_pid()")]

    def mean_payload_bytes(self):
        col = '"event_payload"' if self.kind == "h2" else "event_payload"
        table = '"event_journal"' if self.kind == "h2" else "event_journal"
        fn = "length" if self.kind == "mariadb" else "octet_length"
        return self.one(f"SELECT coalesce(avg({fn}({col})),0) FROM {table}")[0]


# ---------------------------------------------------------------- processes
class Run:
    def __init__(self, args):
        self.args = args
        self.dir = Path(args.out or tempfile.mkdtemp(prefix="cost-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        b = args.port_base
        self.http_port, self.cluster_port, self.bh_port = b + 80, b + 520, b + 90
        self.kafka_port, self.controller_port, self.s3_port = b + 92, b + 93, b + 100
        self.bootstrap = f"127.0.0.1:{self.kafka_port}"
        self.children = []
        self.broker = self.blackhole = self.router = None
        self.bh_baseline = {}

    @staticmethod
    def ensure_free(*ports):
        """Something else answering on a port would be measured in place of ours: refuse."""
        import socket
        for port in ports:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    raise RuntimeError(f"port {port} is in use: stop what listens there or pick another --port-base")

    def spawn(self, name, cmd, env=None, cwd=None):
        out = open(self.dir / f"{name}.log", "a")
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                             cwd=cwd or self.dir, start_new_session=True)
        self.children.append(p)
        return p

    def stop(self, p, timeout=60):
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self):
        for p in reversed(self.children):
            self.stop(p, 20)

    def start_broker(self):
        self.ensure_free(self.kafka_port, self.controller_port)
        self.broker = self.spawn("broker", ["java", "-cp", str(ROUTER_JAR), str(ROOT / "loadtest/bench/Broker.java"),
                                            str(self.kafka_port), str(self.controller_port), str(self.dir / "broker"),
                                            "bench-fill", "bench-fill-pairs", "bench-fill-backlog",
                                            PRODUCER_WARM_UP_TOPIC])
        wait_for("the broker", lambda: "broker ready" in (self.dir / "broker.log").read_text(), 120)

    def start_blackhole(self):
        """A new black hole per cell (its counts start at zero), warmed up first: a destination is
        a service that has run for a while, and a new JVM answering its first thousands of
        requests slowly made the router's first seconds look slower than they are."""
        self.stop(self.blackhole)
        self.ensure_free(self.bh_port)
        self.blackhole = self.spawn("blackhole", ["java", "-jar", str(LOADTEST_JAR), "blackhole",
                                                  "--port", str(self.bh_port)])
        self.bh_baseline = {}
        wait_for("the black hole", lambda: self.bh_stats() is not None, 60)
        if self.args.blackhole_warmup_seconds > 0:
            subprocess.run(["java", "-jar", str(LOADTEST_JAR), "blast", "--url",
                            f"http://127.0.0.1:{self.bh_port}/bench-warm-up",
                            "--seconds", str(self.args.blackhole_warmup_seconds)],
                           capture_output=True, check=True)
            warm = self.bh_stats()
            self.bh_baseline = {k: warm[k] for k in ("received", "duplicates")}

    def bh_stats(self):
        """The black hole's counts since its warm-up."""
        stats = json.loads(http("GET", f"http://127.0.0.1:{self.bh_port}/stats"))
        for k, v in self.bh_baseline.items():
            stats[k] -= v
        return stats

    def bh_latency(self):
        """Every first delivery's latency so far, {ms: count} (cumulative)."""
        return {v: c for v, c in json.loads(http("GET", f"http://127.0.0.1:{self.bh_port}/stats/latency"))["ms"]}

    def registry(self, workload="demo"):
        """demo: the harness's registry (--sources sources, 1-3 destinations each); pairs:
        --pairs sources each to one destination; backlog: one source to one destination, 128
        requests in flight (one pair carries the whole backlog)."""
        path = self.dir / f"registry-{workload}.conf"
        bh = f"http://127.0.0.1:{self.bh_port}"
        if not path.exists() and workload == "demo":
            path.write_text(subprocess.run(
                ["java", "-jar", str(LOADTEST_JAR), "registry", "--sources", str(self.args.sources),
                 "--blackhole", bh, "--seed", "1"], capture_output=True, text=True, check=True).stdout)
        elif not path.exists() and workload == "pairs":
            path.write_text(f'destinations {{\n  hook {{ endpoint = "{bh}/hook" }}\n}}\nsources {{\n'
                            + "".join(f"  source-{i} {{ destinations = [hook] }}\n" for i in range(1, self.args.pairs + 1))
                            + "}\n")
        elif not path.exists() and workload == "backlog":
            path.write_text(f'destinations {{\n  down {{ endpoint = "{bh}/down", max-in-flight-per-pair = 128 }}\n}}\n'
                            'sources {\n  source-1 { destinations = [down] }\n}\n')
        text = path.read_text()
        routes = [len(m.split(",")) for m in re.findall(r"destinations = \[([^\]]*)\]", text)]
        dests = re.findall(r"^\s*(\S+) \{ endpoint", text, re.M)
        return path, routes, dests

    def jobs_for(self, events, workload="demo"):
        """Jobs made by the first `events` events: the producer uses sources 1..N in turn."""
        _, routes, _ = self.registry(workload)
        return sum(routes[i % len(routes)] for i in range(events))

    def produce(self, topic, events, rate=0, wait=True, workload="demo", warm_up=0):
        """`warm_up` events first, at full speed, to a topic nothing reads; returns once they are
        sent (the paced events start then), or once all are when `wait`."""
        sources = len(self.registry(workload)[1])
        cmd = ["java", "-jar", str(LOADTEST_JAR), "produce", "--bootstrap", self.bootstrap, "--topic", topic,
               "--events", str(events), "--sources", str(sources),
               "--payload-bytes", str(self.args.payload_bytes), "--rate", str(rate),
               "--warm-up-events", str(warm_up), "--warm-up-topic", PRODUCER_WARM_UP_TOPIC]
        log_file = self.dir / "producer.log"
        warmed = log_file.read_text().count("warmed-up sent=") if log_file.exists() else 0
        p = self.spawn("producer", cmd)
        if warm_up:
            wait_for("the producer warmed up", lambda: p.poll() is not None
                     or log_file.read_text().count("warmed-up sent=") > warmed, 300, 0.05)
        if wait or (warm_up and p.poll() is not None):
            if p.wait() != 0:
                raise RuntimeError("the producer failed; see producer.log")
        return p

    def produced_seconds(self):
        """How long the last producer took to send, as it reported it (`took=`)."""
        took = re.findall(r"took=([0-9.]+)s", (self.dir / "producer.log").read_text())
        return round(float(took[-1]), 1) if took else None

    def start_router(self, variant, journal, cell_dir, topic, group, workload="demo", jvm=()):
        env = {
            "ROUTER_ALLOW_ADDRESSES": "127.0.0.0/8",
            "ROUTER_REGISTRY_FILE": str(self.registry(workload)[0]),
            "ROUTER_DATA_DIR": str(cell_dir / "data"),
            "ROUTER_HTTP_HOST": "127.0.0.1", "ROUTER_HTTP_PORT": str(self.http_port),
            "ROUTER_CLUSTER_PORT": str(self.cluster_port),
            "ROUTER_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "ROUTER_KAFKA_TOPIC": topic, "ROUTER_KAFKA_DEAD_LETTER_TOPIC": topic + ".dead-letter",
            "ROUTER_KAFKA_GROUP_ID": group,
            "ROUTER_S3_EMBEDDED_PORT": str(self.s3_port),
            "ROUTER_ADMIN_TOKEN": TOKEN,
            **journal.router_env(), **variant["env"],
        }
        cmd = ["java", *self.args.router_java_opts.split(), *jvm, *variant["jvm"], "-jar", variant["jar"]]
        self.ensure_free(self.http_port, self.cluster_port, self.s3_port)
        self.router = self.spawn(f"router-{cell_dir.name}", cmd, env)
        wait_for("the router to be ready", lambda: (
            self.router.poll() is None and http("GET", f"http://127.0.0.1:{self.http_port}/health/ready") is not None), 180, 1)
        return self.router

    def admin(self, method, path):
        return http(method, f"http://127.0.0.1:{self.http_port}/admin{path}", TOKEN)

    def heap_after_gc_mb(self, pid):
        subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True)
        out = subprocess.run(["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True).stdout
        # G1 reports the heap as one; the parallel and serial collectors by generation
        used = re.findall(r"^\s*(?:garbage-first heap|PSYoungGen|ParOldGen|def new generation|tenured generation)"
                          r"\s+total \d+K, used (\d+)K", out, re.M)
        return sum(int(u) for u in used) / 1024 if used else float("nan")


# ---------------------------------------------------------------- one window
class Edge:
    """Everything read at one edge of a window. First the fast readings, together: the router's
    and the black hole's counters, then every process's CPU, then the counters again (t and
    `at` are the means of the two counter readings). Then the journal query, which can take
    long (a count on a busy database), bracketed by a third counter reading: the journal's
    figures are held against the progress at the query's time (`at_db`), not at t."""

    def __init__(self, run, journal, producer=None, since=None):
        self.wall_ms = time.time() * 1000
        t1, c1 = time.monotonic(), counters(run)
        self.cpu = {
            "router": proc_cpu_us(run.router.pid),
            "broker": proc_cpu_us(run.broker.pid),
            "blackhole": proc_cpu_us(run.blackhole.pid),
            "database": db_server_cpu_us(journal.kind),
        }
        self.producing = producer is not None and running(producer)
        if producer is not None:
            self.cpu["producer"] = child_cpu_us(producer)
        self.router_threads, self.router_switches = router_threads(run.router.pid)
        self.router_write_bytes = proc_io(run.router.pid).get("write_bytes", 0)
        backends = journal.backend_pids()
        if backends is not None:
            self.cpu["db_backends"] = {pid: proc_cpu_us(pid) or 0 for pid in backends}
        t2, c2 = time.monotonic(), counters(run)
        self.db = journal.sample()
        if since is not None:
            self.db["snap_written_rows"], self.db["snap_written_bytes"] = journal.snapshots_since(since.wall_ms)
        t3, c3 = time.monotonic(), counters(run)
        self.t = (t1 + t2) / 2
        self.at = {k: (c1[k] + c2[k]) / 2 for k in c1}
        self.at_db = {k: (c2[k] + c3[k]) / 2 for k in c2}
        self.spread_ms = (t2 - t1) * 1000
        self.db_spread_ms = (t3 - t2) * 1000


PASS_CAUSES = ("written", "handed", "answered", "timer", "read")


def counters(run):
    m = metrics(run.http_port)
    return {
        # a job enqueued again after an ask timed out counts as a duplicate, not accepted: both
        # are jobs the journal holds
        "accepted": m.get("eventrouter_jobs_accepted_total", 0) + m.get("eventrouter_jobs_duplicate_total", 0),
        "ingest_duplicates": m.get("eventrouter_jobs_duplicate_total", 0),
        "journal_events": m.get("eventrouter_journal_write_events_sum", 0),
        "delivered": m.get("eventrouter_jobs_delivered_total", 0),
        "journal_writes": m.get("eventrouter_journal_write_events_count", 0),
        # payloads read back (absent from builds before these metrics: 0)
        "payload_reads": m.get("eventrouter_payload_reads_total", 0),
        "payload_read_jobs": m.get("eventrouter_payload_read_jobs_total", 0),
        "payload_read_rows": m.get("eventrouter_payload_read_rows_total", 0),
        # absent from builds before this metric: 0
        "dispatch_passes": m.get("eventrouter_dispatch_passes_total", 0),
        **{f"dispatch_passes_{cause}": m.get(f'eventrouter_dispatch_passes_total{{cause="{cause}"}}', 0)
           for cause in PASS_CAUSES},
        # the destinations' adaptive concurrency limits, summed
        "concurrency_limit": m.get("eventrouter_destination_concurrency_limit", 0),
        "received": run.bh_stats()["received"],
    }


def window(run, journal, progress, start_at, done_at, seconds, producer=None, poll=0.5):
    """Waits until progress() >= start_at (the warm-up), reads an edge, then waits until
    `seconds` passed or progress() >= done_at (SHORT), reads the other edge. A producer
    finishing does not close it: its CPU until its exit is counted all the same."""
    wait_for(f"the warm-up ({start_at})", lambda: progress() >= start_at, 3600, poll)
    log(f"window opens at {progress()} (warm-up {start_at}, all {done_at})")
    a = Edge(run, journal, producer)
    deadline = a.t + seconds
    short = False
    while time.monotonic() < deadline:
        if progress() >= done_at:
            short = True
            break
        time.sleep(poll)
    b = Edge(run, journal, producer, since=a)
    log(f"window closes after {b.t - a.t:.1f} s at {progress()}{' (SHORT: ran out of work)' if short else ''}")
    return a, b, short


def figures(a, b, moved, short, label):
    """Per-window figures; `moved` names what the phase moves: "accepted" or "received"
    (deliveries). CPU and rates are per job moved between the edges' fast readings; the
    journal's figures per job moved between the journal queries."""
    secs = b.t - a.t
    jobs = b.at[moved] - a.at[moved]
    jobs_db = b.at_db[moved] - a.at_db[moved]
    per = lambda x: x / jobs if jobs else float("nan")
    per_db = lambda x: x / jobs_db if jobs_db else float("nan")
    f = {"phase": label, "seconds": round(secs, 1), "jobs": int(jobs), "jobs_per_s": jobs / secs if secs else 0,
         "short": short}
    for name in a.cpu:
        if name == "db_backends" and "db_backends" in b.cpu:
            # the journal's connections (pooled: the same backends at both edges)
            f["cpu_us_db_backends"] = per(sum(cpu - a.cpu[name].get(pid, cpu) for pid, cpu in b.cpu[name].items()))
        elif a.cpu[name] is not None and b.cpu.get(name) is not None:
            f[f"cpu_us_{name}"] = per(b.cpu[name] - a.cpu[name])
    for group, cpu in b.router_threads.items():
        f[f"cpu_us_router_{group}"] = per(cpu - a.router_threads.get(group, 0))
    for group, switches in b.router_switches.items():
        f[f"switches_router_{group}"] = per(switches - a.router_switches.get(group, 0))
    f["switches_router"] = sum(f[f"switches_router_{group}"] for group in b.router_switches)
    f["edge_spread_ms"] = round(max(a.spread_ms, b.spread_ms))
    f["db_query_ms"] = round(max(a.db_spread_ms, b.db_spread_ms))
    inserted = b.db["max_ordering"] - a.db["max_ordering"]
    f["rows_inserted"] = per_db(inserted)
    f["rows_deleted"] = per_db(inserted - (b.db["rows"] - a.db["rows"]))
    f["rows_inserted_metric"] = per(b.at["journal_events"] - a.at["journal_events"])
    f["journal_writes"] = per(b.at["journal_writes"] - a.at["journal_writes"])
    f["rows_inserted_per_s"] = f["rows_inserted_metric"] * f["jobs_per_s"]
    for name in ("payload_reads", "payload_read_jobs", "payload_read_rows", "dispatch_passes",
                 *(f"dispatch_passes_{cause}" for cause in PASS_CAUSES)):
        f[name] = per(b.at[name] - a.at[name])
    f["concurrency_limit_end"] = b.at["concurrency_limit"]
    if "wal_bytes" in a.db:
        f["wal_bytes"] = per_db(b.db["wal_bytes"] - a.db["wal_bytes"])
    if "commits" in a.db:
        # every transaction of the journal's database, this script's own queries included (a
        # few per window)
        f["db_commits"] = per_db(b.db["commits"] - a.db["commits"])
    if "file_bytes" in a.db:
        f["h2_file_growth_bytes"] = per_db(b.db["file_bytes"] - a.db["file_bytes"])
    f["router_write_bytes"] = per(b.router_write_bytes - a.router_write_bytes)
    f["snapshot_bytes_growth"] = per_db(b.db["snap_bytes"] - a.db["snap_bytes"])
    f["snapshot_bytes_end"] = b.db["snap_bytes"]
    f["snapshot_written_rows"] = per_db(b.db["snap_written_rows"])
    f["snapshot_written_bytes"] = per_db(b.db["snap_written_bytes"])
    f["snapshot_rows_end"] = b.db["snap_rows"]
    if "snap_writes_pgstat" in a.db:
        f["snapshot_writes_pgstat"] = per_db(b.db["snap_writes_pgstat"] - a.db["snap_writes_pgstat"])
    f["journal_rows_end"] = b.db["rows"]
    f["ingest_duplicates"] = b.at["ingest_duplicates"] - a.at["ingest_duplicates"]
    # the black hole counts every request it answers, a job sent twice twice: the router's count
    # of jobs delivered, for comparison
    f["delivered_metric"] = b.at["delivered"] - a.at["delivered"]
    return f


# ---------------------------------------------------------------- phases
def cost_cell(run, variant, kind, cell, workload="demo", topic="bench-fill", events=None, jvm=()):
    args = run.args
    events = args.events if events is None else events
    cell_dir = run.dir / cell
    journal = Journal(kind, args, cell_dir)
    journal.fresh()
    run.start_blackhole()
    # 1. pause every destination on a fresh journal, through an empty topic; stop
    run.start_router(variant, journal, cell_dir, f"bench-idle-{cell}", f"bench-{cell}", workload, jvm)
    _, _, dests = run.registry(workload)
    for d in dests:
        run.admin("POST", f"/destinations/{d}/pause")
    paused = run.admin("GET", "/paused")
    run.stop(run.router)
    # 2. the filled topic, read by a fresh group: ACCEPT
    total_jobs = run.jobs_for(args.warmup_events + events, workload)
    warm_jobs = run.jobs_for(args.warmup_events, workload)
    run.start_router(variant, journal, cell_dir, topic, f"bench-{cell}", workload, jvm)
    journal.open()
    try:
        def accepted():
            m = metrics(run.http_port)
            return m.get("eventrouter_jobs_accepted_total", 0) + m.get("eventrouter_jobs_duplicate_total", 0)
        a, b, short = window(run, journal, accepted, warm_jobs, total_jobs, args.seconds)
        acc = figures(a, b, "accepted", short, "accept")
        wait_for("every job accepted", lambda: accepted() >= total_jobs, 3600)
        acc["heap_after_gc_mb_holding_all"] = run.heap_after_gc_mb(run.router.pid)
        acc["mean_payload_bytes"] = journal.mean_payload_bytes()
        acc["sent_while_paused"] = run.bh_stats()["received"]
        # 3. DRAIN
        for d in dests:
            run.admin("POST", f"/destinations/{d}/resume")
        received = lambda: run.bh_stats()["received"]
        drain_warm = max(warm_jobs, args.drain_warmup_jobs)
        a, b, short = window(run, journal, received, drain_warm, total_jobs, args.seconds)
        drn = figures(a, b, "received", short, "drain")
        drn["warmup_jobs"] = drain_warm
        wait_for("every job delivered", lambda: received() >= total_jobs, 3600)
        drn["duplicates"] = run.bh_stats()["duplicates"]
    finally:
        journal.close()
        run.stop(run.router)
    acc["paused"] = paused
    return [acc, drn], journal


def pairs_cell(run, variant, kind, cell, jvm):
    """--pairs sources x --pairs-jobs events each, already in the topic, read by a fresh router
    with nothing paused: every queue starts (recovery query, remember-entities write) and
    delivers its few jobs. Window after the warm-up events; also the whole run's rate."""
    args = run.args
    cell_dir = run.dir / cell
    journal = Journal(kind, args, cell_dir)
    journal.fresh()
    run.start_blackhole()
    events = args.pairs * args.pairs_jobs
    warm = min(args.warmup_events, events // 4)
    router = run.start_router(variant, journal, cell_dir, "bench-fill-pairs", f"bench-{cell}", "pairs", jvm)
    t0 = time.monotonic()
    journal.open()
    try:
        received = lambda: run.bh_stats()["received"]
        a, b, short = window(run, journal, received, warm, events, args.seconds)
        f = figures(a, b, "received", short, "pairs")
        wait_for("every job delivered", lambda: received() >= events, 4 * 3600)
        took = time.monotonic() - t0
        f["all_delivered_s_from_ready"] = round(took, 1)
        f["all_delivered_per_s"] = events / took
        f["duplicates"] = run.bh_stats()["duplicates"]
        f["heap_after_gc_mb_queues_started"] = run.heap_after_gc_mb(router.pid)
    finally:
        journal.close()
        run.stop(run.router)
    return [f]


def live_cell(run, variant, kind, cell, topic):
    """A fresh journal, black hole and router reading an empty topic, nothing paused."""
    cell_dir = run.dir / cell
    journal = Journal(kind, run.args, cell_dir)
    journal.fresh()
    run.start_blackhole()
    run.start_router(variant, journal, cell_dir, topic, f"bench-{cell}")
    journal.open()
    return journal


def e2e_cell(run, variant, kind, cell):
    args = run.args
    topic = f"bench-e2e-{cell}"
    journal = live_cell(run, variant, kind, cell, topic)
    events = args.warmup_events + args.e2e_events
    try:
        t0 = time.monotonic()
        producer = run.produce(topic, events, rate=args.e2e_rate, wait=False)
        received = lambda: run.bh_stats()["received"]
        a, b, short = window(run, journal, received, run.jobs_for(args.warmup_events), run.jobs_for(events),
                             args.seconds, producer=producer)
        f = figures(a, b, "received", short, "e2e")
        if not a.producing:
            f["note"] = "the producer had finished before the window: it measured a drain (give a --e2e-rate)"
        elif not b.producing:
            f["note"] = "the producer finished inside the window: the rest of it was a drain"
        producer.wait()
        f["produced_s"] = run.produced_seconds()
        wait_for("every job delivered", lambda: received() >= run.jobs_for(events), 3600, 0.2)
        # as e2e.sh: the producer's start to the last delivery, warm-up and drain tail included
        took = time.monotonic() - t0
        f["all_delivered_s_from_start"] = round(took, 1)
        f["all_delivered_per_s"] = run.jobs_for(events) / took
        f["duplicates"] = run.bh_stats()["duplicates"]
    finally:
        journal.close()
        run.stop(run.router)
    return [f]


def steps_cell(run, variant, kind, cell):
    args = run.args
    topic = f"bench-steps-{cell}"
    journal = live_cell(run, variant, kind, cell, topic)
    received = lambda: run.bh_stats()["received"]
    rows = []
    try:
        run.produce(topic, args.warmup_events)
        expected = run.jobs_for(args.warmup_events)
        wait_for("the warm-up delivered", lambda: received() >= expected, 3600, 0.2)
        for rate in args.step_rates:
            events = int(rate * args.step_seconds)
            jobs = run.jobs_for(events)
            producer = run.produce(topic, events, rate=rate, wait=False, warm_up=args.producer_warmup_events)
            expected += jobs
            time.sleep(args.step_seconds / 4)
            a = Edge(run, journal, producer)
            latency_a = run.bh_latency()
            time.sleep(args.step_seconds / 2)
            b = Edge(run, journal, producer, since=a)
            f = figures(a, b, "received", False, "steps")
            f.update(latency_between(latency_a, run.bh_latency()))
            producer.wait()
            ended = time.monotonic()
            # the pace the producer kept, on the same cores: what was offered
            f["rate_events_per_s"] = rate
            f["offered_jobs_per_s"] = jobs / (run.produced_seconds() or args.step_seconds)
            try:
                wait_for("the step delivered", lambda: received() >= expected, 5, 0.1)
                f["tail_s"] = round(time.monotonic() - ended, 1)
            except RuntimeError:
                f["tail_s"] = None
            f["held"] = f["tail_s"] is not None and f["jobs_per_s"] >= 0.97 * f["offered_jobs_per_s"]
            log(f"step {rate} events/s: offered {f['offered_jobs_per_s']:,.0f} jobs/s, delivered "
                f"{f['jobs_per_s']:,.0f}/s, latency p50 {f.get('latency_p50_ms')} p99 {f.get('latency_p99_ms')} ms, "
                f"tail {f['tail_s']} s: {'held' if f['held'] else 'NOT held'}")
            rows.append(f)
            if not f["held"] and not args.steps_go_on:
                break
        if rows:
            rows[-1]["duplicates"] = run.bh_stats()["duplicates"]
    finally:
        journal.close()
        run.stop(run.router)
    return rows


def recover_cell(run, variant, kind, cell):
    args = run.args
    topic = f"bench-recover-{cell}"
    journal = live_cell(run, variant, kind, cell, topic)
    received = lambda: run.bh_stats()["received"]
    try:
        run.produce(topic, args.warmup_events)
        expected = run.jobs_for(args.warmup_events)
        wait_for("the warm-up delivered", lambda: received() >= expected, 3600, 0.2)
        _, _, dests = run.registry()
        for d in dests:
            run.admin("POST", f"/destinations/{d}/pause")
        run.produce(topic, args.recover_backlog)
        expected = run.jobs_for(args.warmup_events + args.recover_backlog)

        def accepted():
            m = metrics(run.http_port)
            return m.get("eventrouter_jobs_accepted_total", 0) + m.get("eventrouter_jobs_duplicate_total", 0)
        wait_for("the backlog accepted", lambda: accepted() >= expected, 3600)
        backlog = expected - received()
        events = int(args.recover_rate * args.recover_seconds)
        producer = run.produce(topic, events, rate=args.recover_rate, wait=False)
        produce_ends = time.monotonic() + args.recover_seconds
        time.sleep(5)
        resumed = time.monotonic()
        for d in dests:
            run.admin("POST", f"/destinations/{d}/resume")
        time.sleep(10)
        a = Edge(run, journal, producer)
        time.sleep(args.seconds)
        b = Edge(run, journal, producer, since=a)
        f = figures(a, b, "received", False, "recover")
        caught_up = caught_up_window(run, journal, producer, received,
                                     run.jobs_for(args.warmup_events + args.recover_backlog), produce_ends - 3)
        producer.wait()
        expected = run.jobs_for(args.warmup_events + args.recover_backlog + events)
        for name in ("jobs_per_s", "payload_reads", "payload_read_jobs", "cpu_us_router", "seconds"):
            f[f"caught_up_{name}"] = caught_up[name] if caught_up else float("nan")
        f["backlog_jobs_at_resume"] = backlog
        f["offered_jobs_per_s"] = run.jobs_for(events) / (run.produced_seconds() or args.recover_seconds)
        wait_for("every job delivered", lambda: received() >= expected, 3600, 0.2)
        f["all_delivered_s_from_resume"] = round(time.monotonic() - resumed, 1)
        f["duplicates"] = run.bh_stats()["duplicates"]
        log(f"recover: backlog {backlog:,.0f} jobs, offered {f['offered_jobs_per_s']:,.0f} jobs/s, delivered "
            f"{f['jobs_per_s']:,.0f}/s in the window, all delivered {f['all_delivered_s_from_resume']} s after the resume")
    finally:
        journal.close()
        run.stop(run.router)
    return [f]


def caught_up_window(run, journal, producer, received, backlog_jobs, ends, settle_s=10, least_s=15):
    """The recover phase's second window: from `settle_s` after the backlog's last job was
    delivered (the router then as far behind as one ingest and one pass) until `ends`, while the
    producer goes on. A router caught up reads no payload back. None if it is shorter than least_s."""
    wait_for("the backlog delivered", lambda: received() >= backlog_jobs, 3600, 0.2)
    time.sleep(settle_s)
    if ends - time.monotonic() < least_s:
        log("caught up: too little producing left for its window")
        return None
    a = Edge(run, journal, producer)
    time.sleep(max(0.0, ends - time.monotonic()))
    f = figures(a, Edge(run, journal, producer, since=a), "received", False, "caught up")
    log(f"caught up: {f['jobs_per_s']:,.0f} deliveries/s, {f['payload_read_jobs']:.3f} payloads read back per job")
    return f


def soak(run, variant, kind, rate):
    args = run.args
    cell = "soak"
    cell_dir = run.dir / cell
    journal = Journal(kind, args, cell_dir)
    journal.fresh()
    run.start_blackhole()
    topic = "bench-soak"
    run.start_router(variant, journal, cell_dir, topic, "bench-soak")
    journal.open()
    samples = []
    # a server with autovacuum off (a CI database) keeps every deleted row's space: the journal's
    # tables would grow for reasons no production server has, so this does what autovacuum would
    vacuum = kind == "postgres" and journal.one(
        "SELECT CASE WHEN current_setting('autovacuum') = 'on' THEN 0 ELSE 1 END")[0] == 1
    if vacuum:
        log("soak: the server's autovacuum is off; VACUUM of the journal's tables at each sample")
    try:
        events = int(rate * args.soak_minutes * 60)
        producer = run.produce(topic, events, rate=rate, wait=False)
        t0 = time.monotonic()
        last = None
        while True:
            time.sleep(args.soak_sample_seconds)
            if vacuum:
                subprocess.run(journal.psql() + ["-d", journal.db, "-c", "VACUUM event_journal",
                                                 "-c", "VACUUM snapshot"], check=True)
            e = Edge(run, journal)
            heap = run.heap_after_gc_mb(run.router.pid)
            s = {"minute": round((e.t - t0) / 60, 1), "heap_after_gc_mb": round(heap, 1),
                 "backlog": int(e.at["accepted"] - e.at["received"]), "journal_rows": int(e.db["rows"]),
                 "snapshot_rows": int(e.db["snap_rows"]), "snapshot_bytes": int(e.db["snap_bytes"]),
                 "deliveries_per_s": round((e.at["received"] - last.at["received"]) / (e.t - last.t)) if last else None}
            for k in ("table_bytes", "index_bytes", "snap_total_bytes", "file_bytes"):
                if k in e.db:
                    s[k] = int(e.db[k])
            samples.append(s)
            log("soak", s)
            last = e
            if not running(producer):
                break
    finally:
        journal.close()
        run.stop(run.router)
    return samples


def ceilings(run, kinds, payload_bytes):
    args = run.args
    out = {}
    r = subprocess.run(["java", "-jar", str(LOADTEST_JAR), "ceiling", "kafka", "--bootstrap", run.bootstrap,
                        "--topic", "bench-fill"], capture_output=True, text=True)
    out["kafka_consume_records_per_s"] = kv(r.stdout)["records/s"]
    run.start_blackhole()
    url = f"http://127.0.0.1:{run.bh_port}/blast"
    subprocess.run(["java", "-jar", str(LOADTEST_JAR), "blast", "--url", url, "--seconds", "5"], capture_output=True)
    r = subprocess.run(["java", "-jar", str(LOADTEST_JAR), "blast", "--url", url, "--seconds", str(args.ceiling_seconds),
                        "--payload-bytes", str(args.payload_bytes)], capture_output=True, text=True)
    out["blackhole_raw_http_requests_per_s"] = kv(r.stdout)["requests/s"]
    run.stop(run.blackhole)
    for kind in kinds:
        j = Journal(kind, args, run.dir / "ceiling-h2")
        if kind == "h2":
            (run.dir / "ceiling-h2").mkdir(exist_ok=True)
            url = f"jdbc:h2:file:{run.dir}/ceiling-h2/c;DATABASE_TO_UPPER=false;WRITE_DELAY=0"
        else:
            j.fresh()
            url = j.url
        r = subprocess.run(["java", "-jar", str(LOADTEST_JAR), "ceiling", "jdbc", "--url", url, "--user", j.user,
                            "--password", j.password, "--bytes", str(int(payload_bytes.get(kind, args.payload_bytes))),
                            "--seconds", str(args.ceiling_seconds)], capture_output=True, text=True)
        out[f"jdbc_insert_rows_per_s_{kind}"] = kv(r.stdout)["rows/s"]
        out[f"jdbc_insert_row_bytes_{kind}"] = int(payload_bytes.get(kind, args.payload_bytes))
    return out


def kv(line):
    vals = dict(p.split("=", 1) for p in line.split())
    return {k: float(v.rstrip("s")) if re.fullmatch(r"[0-9.]+s?", v) else v for k, v in vals.items()}


# ---------------------------------------------------------------- report
FIGURES = [
    ("jobs/s (accept: jobs accepted; others: deliveries)", "jobs_per_s", "{:,.0f}"),
    ("measured window, s", "seconds", "{}"), ("jobs in the window", "jobs", "{:,}"),
    ("drain: deliveries before the window (its warm-up)", "warmup_jobs", "{:,}"),
    ("vs ceiling (see the heading)", "ratio", "{:.3f}"),
    ("router CPU us/job", "cpu_us_router", "{:.0f}"),
    ("  of which its JIT compilers (warming up)", "cpu_us_router_jit", "{:.0f}"),
    ("  of which its garbage collector", "cpu_us_router_gc", "{:.0f}"),
    ("  of which its actors (Pekko's dispatchers)", "cpu_us_router_actors", "{:.0f}"),
    ("  of which its delivery client's event loop", "cpu_us_router_delivery", "{:.0f}"),
    ("  of which its journal's connection pool", "cpu_us_router_journal_pool", "{:.0f}"),
    ("  of which its other threads", "cpu_us_router_other", "{:.0f}"),
    ("router thread context switches/job", "switches_router", "{:.2f}"),
    ("  of which its actors'", "switches_router_actors", "{:.2f}"),
    ("  of which its delivery client's event loop's", "switches_router_delivery", "{:.2f}"),
    ("database server CPU us/job (all its processes)", "cpu_us_database", "{:.0f}"),
    ("  of which the journal's backends", "cpu_us_db_backends", "{:.0f}"),
    ("broker CPU us/job", "cpu_us_broker", "{:.0f}"), ("black hole CPU us/job", "cpu_us_blackhole", "{:.0f}"),
    ("producer CPU us/job", "cpu_us_producer", "{:.0f}"),
    ("dispatch passes/job", "dispatch_passes", "{:.3f}"),
    *((f"  run by: {cause}", f"dispatch_passes_{cause}", "{:.3f}") for cause in PASS_CAUSES),
    ("destinations' concurrency limits at the window's end, summed", "concurrency_limit_end", "{:.0f}"),
    ("journal rows inserted/job", "rows_inserted", "{:.3f}"),
    ("  by the router's metric", "rows_inserted_metric", "{:.3f}"),
    ("journal rows deleted/job", "rows_deleted", "{:.3f}"),
    ("journal writes/job", "journal_writes", "{:.4f}"),
    ("payload reads (journal queries)/job", "payload_reads", "{:.4f}"),
    ("  payloads read back/job", "payload_read_jobs", "{:.3f}"),
    ("  journal rows read (decoded whole) for them/job", "payload_read_rows", "{:.3f}"),
    ("journal rows inserted/s vs JDBC ceiling", "rows_ratio", "{:.3f}"),
    ("WAL bytes/job (server-wide)", "wal_bytes", "{:,.0f}"),
    ("database transactions committed/job (PostgreSQL)", "db_commits", "{:.4f}"), ("H2 file growth bytes/job", "h2_file_growth_bytes", "{:,.0f}"),
    ("router write_bytes/job (/proc io)", "router_write_bytes", "{:,.0f}"),
    ("snapshot bytes written/job (kept at the end, created in the window)", "snapshot_written_bytes", "{:,.1f}"),
    ("snapshot rows written/job (same)", "snapshot_written_rows", "{:.4f}"),
    ("snapshot bytes growth/job", "snapshot_bytes_growth", "{:,.1f}"),
    ("snapshot bytes at window end", "snapshot_bytes_end", "{:,.0f}"),
    ("snapshot rows at window end", "snapshot_rows_end", "{:,.0f}"),
    ("snapshot writes/job (pg_stat, lags)", "snapshot_writes_pgstat", "{:.4f}"),
    ("journal rows at window end", "journal_rows_end", "{:,.0f}"),
    ("jobs enqueued twice at ingest (ask timeouts)", "ingest_duplicates", "{:,.0f}"),
    ("jobs sent while paused (must be 0)", "sent_while_paused", "{:,}"),
    ("heap after full GC holding all, MiB", "heap_after_gc_mb_holding_all", "{:,.0f}"),
    ("heap after full GC, queues started, MiB", "heap_after_gc_mb_queues_started", "{:,.0f}"),
    ("mean journal payload bytes", "mean_payload_bytes", "{:,.0f}"),
    ("all delivered, s from ready", "all_delivered_s_from_ready", "{}"),
    ("recover: backlog at the resume, jobs", "backlog_jobs_at_resume", "{:,.0f}"),
    ("recover: all delivered, s from the resume", "all_delivered_s_from_resume", "{}"),
    ("recover, caught up: window, s (10 s after the backlog delivered, to the producer's end)",
     "caught_up_seconds", "{:.1f}"),
    ("recover, caught up: deliveries/s", "caught_up_jobs_per_s", "{:,.0f}"),
    ("recover, caught up: router CPU us/job", "caught_up_cpu_us_router", "{:.0f}"),
    ("recover, caught up: payload reads (journal queries)/job", "caught_up_payload_reads", "{:.4f}"),
    ("recover, caught up: payloads read back/job", "caught_up_payload_read_jobs", "{:.3f}"),
    ("e2e: producing took, s", "produced_s", "{}"),
    ("steps, recover: jobs/s offered (the producer's pace)", "offered_jobs_per_s", "{:,.0f}"),
    ("steps: after the producer, s until all delivered (- = over 5)", "tail_s", "{}"),
    ("steps: latency p50, ms (event sentAt to delivery, in the window)", "latency_p50_ms", "{:,.0f}"),
    ("steps: latency p99, ms", "latency_p99_ms", "{:,.0f}"),
    ("steps: latency max, ms", "latency_max_ms", "{:,.0f}"),
    ("steps: held", "held", "{}"),
    ("e2e: all delivered, s from the producer's start", "all_delivered_s_from_start", "{}"),
    ("all delivered, jobs/s (pairs: from ready; e2e: from start)", "all_delivered_per_s", "{:,.0f}"),
    ("duplicates at the black hole (whole phase)", "duplicates", "{:,}"),
    ("jobs delivered in the window, router's count", "delivered_metric", "{:,.0f}"),
    ("edge: counters and CPU read within, ms", "edge_spread_ms", "{}"),
    ("edge: journal query took, ms", "db_query_ms", "{}"),
]


def latency_between(before, after):
    """p50, p99 and max (ms) of the latencies recorded between two cumulative readings."""
    buckets = sorted((v, after[v] - before.get(v, 0)) for v in after if after[v] > before.get(v, 0))
    total = sum(c for _, c in buckets)
    if not total:
        return {}
    out, seen, wanted = {}, 0, [("latency_p50_ms", 0.50), ("latency_p99_ms", 0.99)]
    for v, c in buckets:
        seen += c
        while wanted and seen >= wanted[0][1] * total:
            out[wanted.pop(0)[0]] = v
    out["latency_max_ms"] = buckets[-1][0]
    return out


def highest_held(rows):
    """Per journal, variant and round: the highest step held, with its deliveries/s and CPU."""
    best = {}
    for r in rows:
        key = f"{r['journal']} {r['variant']} {r['round']}"
        best.setdefault(key, "none")
        if r["held"]:
            best[key] = (f"{r['rate_events_per_s']:,.0f} events/s: {r['jobs_per_s']:,.0f} deliveries/s, "
                         f"router {r.get('cpu_us_router', 0):.0f} us/job"
                         + (f" + database {r['cpu_us_database']:.0f}" if r.get("cpu_us_database") else "")
                         + (f", latency p50 {r['latency_p50_ms']:,} ms, p99 {r['latency_p99_ms']:,} ms"
                            if "latency_p99_ms" in r else ""))
    return best


def slow_edge(r):
    """An edge read over more than 1 % of its window: the machine is too busy for per-job
    figures to be exact (rates stay right: they use the mean time of the counter readings)."""
    return max(r.get("edge_spread_ms", 0), r.get("db_query_ms", 0)) > 10 * r["seconds"]


def fmt(v, pattern):
    if v is None or v == "" or (isinstance(v, float) and v != v):
        return "-"
    try:
        return pattern.format(v)
    except (ValueError, TypeError):
        return str(v)


def report(run, machine, results, ceil, soak_samples):
    lines = ["# Cost per job", "", f"machine: {machine}", "",
             "command: `" + " ".join(shlex.quote(a) for a in sys.argv) + "`", ""]
    if ceil:
        lines += ["## Ceilings (the parts alone, same run)", "", "| part | rate |", "|---|---|"]
        lines += [f"| {k} | {fmt(v, '{:,.0f}')} |" for k, v in ceil.items()] + [""]
    for phase in ("accept", "drain", "e2e", "steps", "recover", "backlog-accept", "backlog-drain", "pairs"):
        rows = [r for r in results if r["phase"] == phase]
        if not rows:
            continue
        for r in rows:
            if ceil:
                if phase.endswith("accept"):
                    r["ratio"] = r["jobs_per_s"] / r["fanout"] / ceil["kafka_consume_records_per_s"]
                else:
                    r["ratio"] = r["jobs_per_s"] / ceil["blackhole_raw_http_requests_per_s"]
                c = ceil.get(f"jdbc_insert_rows_per_s_{r['journal']}")
                if c:
                    r["rows_ratio"] = r["rows_inserted_per_s"] / c
        what = {"accept": "ACCEPT (destinations paused; events/s = jobs/s / fan-out; vs ceiling = events/s / Kafka consume)",
                "drain": "DRAIN (durable deliveries/s; vs ceiling = deliveries/s / black hole raw HTTP)",
                "e2e": "END TO END with the producer (vs ceiling = deliveries/s / black hole raw HTTP)",
                "steps": "STEPS: end to end, the producer paced at each rate in turn (HELD: kept up)",
                "recover": "RECOVER: a backlog built while paused, delivered while the producer goes on",
                "backlog-accept": "BACKLOG: jobs accepted for one paused pair, small heap (jobs/s = events/s)",
                "backlog-drain": "BACKLOG: the one pair drained after resume",
                "pairs": "PAIRS: many pairs with a few jobs each, from a filled topic, nothing paused"}[phase]
        lines += [f"## {what}", "",
                   "| | " + " | ".join(f"{r['journal']} {r['variant']} {r['round']}"
                                       + (f" @{r['rate_events_per_s']:,.0f}" if "rate_events_per_s" in r else "")
                                       + (" SHORT" if r["short"] else "")
                                       + (" SLOW-EDGE" if slow_edge(r) else "") for r in rows) + " |",
                   "|---|" + "---|" * len(rows)]
        for label, key, pattern in FIGURES:
            if any(key in r for r in rows):
                lines.append(f"| {label} | " + " | ".join(fmt(r.get(key), pattern) for r in rows) + " |")
        # the variants as ratios of the first, medians over rounds
        variants = list(dict.fromkeys(r["variant"] for r in rows))
        if phase == "steps":
            lines += [""] + [f"- {k}: highest rate held {v}" for k, v in highest_held(rows).items()]
        elif len(variants) > 1:
            lines += ["", "variants, median over rounds, as a ratio of the first:", ""]
            for kind in dict.fromkeys(r["journal"] for r in rows):
                med = {v: statistics.median([r["jobs_per_s"] for r in rows if r["variant"] == v and r["journal"] == kind])
                       for v in variants}
                cpu = {v: statistics.median([r.get("cpu_us_router", 0) + (r.get("cpu_us_database") or 0)
                                             for r in rows if r["variant"] == v and r["journal"] == kind]) for v in variants}
                lines += [f"- {kind}: " + ", ".join(
                    f"{v} {med[v]:,.0f}/s ({med[v] / med[variants[0]]:.3f}), router+db {cpu[v]:.0f} us/job "
                    f"({cpu[v] / cpu[variants[0]]:.3f})" for v in variants)]
        extra = [f"- {r['journal']} {r['variant']} {r['round']}: {r['note']}" for r in rows if "note" in r]
        lines += [""] + extra + [""]
    if soak_samples:
        keys = list(soak_samples[-1].keys())
        lines += ["## SOAK (every sample: heap after a full GC, journal and snapshot sizes)", "",
                  "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        lines += ["| " + " | ".join(fmt(s.get(k), "{:,}") for k in keys) + " |" for s in soak_samples]
        q = soak_samples[len(soak_samples) // 4]
        last = soak_samples[-1]
        lines += ["", f"change from minute {q['minute']} to minute {last['minute']}: " + ", ".join(
            f"{k} {q[k]:,} -> {last[k]:,}" for k in keys if k not in ("minute", "deliveries_per_s")
            and isinstance(q.get(k), (int, float)) and isinstance(last.get(k), (int, float))), ""]
    text = "\n".join(lines)
    (run.dir / "results.md").write_text(text)
    (run.dir / "results.json").write_text(json.dumps({"ceilings": ceil, "results": results, "soak": soak_samples}, indent=1))
    return text


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    jdk = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    load = open("/proc/loadavg").read().split()[:3]
    return f"{os.cpu_count()} cores, {cpu}, {jdk}, load average at start {' '.join(load)}"


def parse_variant(spec):
    name, _, rest = spec.partition(":")
    v = {"name": name.strip(), "jar": str(ROUTER_JAR), "jvm": [], "env": {}}
    for item in shlex.split(rest):
        if item.startswith("jar="):
            v["jar"] = str(Path(item[4:]).resolve())
        elif item.startswith("-"):
            v["jvm"].append(item)
        elif "=" in item:
            k, val = item.split("=", 1)
            v["env"][k] = val
        else:
            raise SystemExit(f"--variant {spec}: {item} is not -D.../-X..., ENV=value or jar=PATH")
    return v


def main():
    # a kill of this script still stops what it started (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("phases", nargs="*", default=["cost", "e2e", "ceilings"],
                   choices=["cost", "e2e", "steps", "recover", "backlog", "pairs", "ceilings", "soak"])
    p.add_argument("--journal", action="append", choices=["postgres", "h2", "mariadb"],
                   help="repeatable (default: postgres and h2)")
    p.add_argument("--variant", action="append", help="'NAME: -Dk=v ENV=v jar=PATH' (repeatable)")
    p.add_argument("--rounds", type=int, default=2, help="rounds of all variants, interleaved (2)")
    p.add_argument("--events", type=int, default=400_000, help="events filled for accept/drain after the warm-up (400000)")
    p.add_argument("--warmup-events", type=int, default=50_000, help="events of each phase not measured (50000)")
    p.add_argument("--drain-warmup-jobs", type=int, default=0,
                   help="cost: deliveries of the drain not measured, if more than the jobs of --warmup-events (0)")
    p.add_argument("--seconds", type=float, default=60, help="measured window of each phase (60)")
    p.add_argument("--e2e-events", type=int, default=400_000, help="events produced for e2e after the warm-up (400000)")
    p.add_argument("--e2e-rate", type=float, default=0, help="e2e producer events/s, 0 = full speed (0)")
    p.add_argument("--step-rates", type=lambda v: [float(x) for x in v.split(",")],
                   default=[2000.0, 3000.0, 4000.0, 5000.0, 6000.0],
                   help="steps: producer events/s of each step, in order (2000,3000,4000,5000,6000)")
    p.add_argument("--step-seconds", type=float, default=120, help="steps: producing time of each step (120)")
    p.add_argument("--steps-go-on", action="store_true",
                   help="steps: go on after a step not held (a burst, then a rate to recover at: "
                        "--step-rates 7000,3000); a later step is HELD when it caught up by its end")
    p.add_argument("--recover-backlog", type=int, default=300_000,
                   help="recover: events produced while every destination is paused (300000)")
    p.add_argument("--recover-rate", type=float, default=3000, help="recover: producer events/s after (3000)")
    p.add_argument("--recover-seconds", type=float, default=150, help="recover: producing time after (150)")
    p.add_argument("--backlog-events", type=int, default=1_000_000, help="backlog: jobs held for one paused pair (1000000)")
    p.add_argument("--pairs", type=int, default=100_000, help="pairs: sources, each to one destination (100000)")
    p.add_argument("--pairs-jobs", type=int, default=3, help="pairs: events per source (3)")
    p.add_argument("--small-heap-java-opts", default="-Xmx1g -XX:+ExitOnOutOfMemoryError",
                   help="router JVM options of the backlog phase")
    # 100,000 started queues hold about 750 MiB: in 1 GiB the phase measured the collector
    p.add_argument("--pairs-java-opts", default="-Xmx3g -XX:+ExitOnOutOfMemoryError",
                   help="router JVM options of the pairs phase")
    p.add_argument("--soak-minutes", type=float, default=25)
    p.add_argument("--soak-rate", type=float, default=0, help="events/s; 0 = 80%% of this run's e2e deliveries/s, in events")
    p.add_argument("--soak-sample-seconds", type=float, default=60)
    p.add_argument("--ceiling-seconds", type=int, default=20)
    p.add_argument("--sources", type=int, default=50)
    p.add_argument("--payload-bytes", type=int, default=1024)
    p.add_argument("--port-base", type=int, default=18000)
    p.add_argument("--database", default="eventrouter_bench", help="this script's own database (dropped and made again)")
    p.add_argument("--pg-host", default="127.0.0.1")
    p.add_argument("--pg-port", type=int, default=5432)
    p.add_argument("--mariadb-host", default="127.0.0.1")
    p.add_argument("--mariadb-port", type=int, default=3306)
    p.add_argument("--router-java-opts", default="", help="JVM options of every router (e.g. -Xmx2g)")
    p.add_argument("--producer-warmup-events", type=int, default=20000,
                   help="steps: each step's new producer first sends this many events at full speed to a "
                        "topic nothing reads, and the step starts once they are sent (default 20000; 0 = "
                        "cold): a producer is a service that has run a while, and a new JVM's first "
                        "seconds took as much CPU per event as the router on these cores")
    p.add_argument("--blackhole-warmup-seconds", type=int, default=5,
                   help="each cell's new black hole is blasted this long before the router starts (5; 0: cold)")
    p.add_argument("--out", help="folder for logs and results (default: a new temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the data folders (default: removed, logs kept)")
    args = p.parse_args()
    kinds = args.journal or ["postgres", "h2"]
    variants = [parse_variant(s) for s in (args.variant or ["base:"])]
    for v in variants:
        if not Path(v["jar"]).exists():
            raise SystemExit(f"no router jar at {v['jar']}")

    run = Run(args)
    log("results and logs in", run.dir)
    m = machine()
    results, ceil, soak_samples, payload = [], {}, [], {}
    _, routes, _ = run.registry()
    try:
        run.start_broker()
        if "cost" in args.phases or "ceilings" in args.phases:
            t = time.monotonic()
            run.produce("bench-fill", args.warmup_events + args.events)
            log(f"filled bench-fill with {args.warmup_events + args.events} events in {time.monotonic() - t:.1f} s")
        fanout = run.jobs_for(args.warmup_events + args.events) / (args.warmup_events + args.events)
        for phase in ("cost", "e2e", "steps", "recover"):
            if phase not in args.phases:
                continue
            for kind in kinds:
                for rnd in range(1, args.rounds + 1):
                    for v in variants:
                        cell = f"{phase}-{kind}-{v['name']}-{rnd}"
                        log("cell", cell)
                        if phase == "cost":
                            rows, journal = cost_cell(run, v, kind, cell)
                            payload.setdefault(kind, rows[0]["mean_payload_bytes"])
                        elif phase == "e2e":
                            rows = e2e_cell(run, v, kind, cell)
                        elif phase == "recover":
                            rows = recover_cell(run, v, kind, cell)
                        else:
                            rows = steps_cell(run, v, kind, cell)
                        for r in rows:
                            r.update(journal=kind, variant=v["name"], round=rnd, fanout=fanout)
                            log(json.dumps(r, default=str))
                        results.extend(rows)
                        if not args.keep:
                            shutil.rmtree(run.dir / cell / "data", ignore_errors=True)
        jvm_1g = args.small_heap_java_opts.split()
        if "backlog" in args.phases:
            run.produce("bench-fill-backlog", args.warmup_events + args.backlog_events, workload="backlog")
            for v in variants:
                cell = f"backlog-{kinds[0]}-{v['name']}"
                log("cell", cell)
                rows, _ = cost_cell(run, v, kinds[0], cell, "backlog", "bench-fill-backlog", args.backlog_events, jvm_1g)
                for r in rows:
                    r.update(journal=kinds[0], variant=v["name"], round=1, fanout=1, phase="backlog-" + r["phase"])
                    log(json.dumps(r, default=str))
                results.extend(rows)
                if not args.keep:
                    shutil.rmtree(run.dir / cell / "data", ignore_errors=True)
        if "pairs" in args.phases:
            run.produce("bench-fill-pairs", args.pairs * args.pairs_jobs, workload="pairs")
            for v in variants:
                cell = f"pairs-{kinds[0]}-{v['name']}"
                log("cell", cell)
                for r in pairs_cell(run, v, kinds[0], cell, args.pairs_java_opts.split()):
                    r.update(journal=kinds[0], variant=v["name"], round=1, fanout=1)
                    log(json.dumps(r, default=str))
                    results.append(r)
                if not args.keep:
                    shutil.rmtree(run.dir / cell / "data", ignore_errors=True)
        if "ceilings" in args.phases:
            log("ceilings")
            ceil = ceilings(run, kinds, payload)
            log(ceil)
        if "soak" in args.phases:
            rate = args.soak_rate
            if not rate:
                e2e = [r["jobs_per_s"] for r in results if r["phase"] == "e2e"]
                if not e2e:
                    raise SystemExit("soak needs --soak-rate, or the e2e phase in the same run")
                rate = 0.8 * statistics.median(e2e) / fanout
            log(f"soak at {rate:.0f} events/s for {args.soak_minutes} min")
            soak_samples = soak(run, variants[0], kinds[0], rate)
    finally:
        run.stop_all()
        print(report(run, m, results, ceil, soak_samples))
        log("results in", run.dir / "results.md")


if __name__ == "__main__":
    main()
