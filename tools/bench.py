"""`make bench`: the server CPU time a report costs each receiver, against the least any
receiver must do, on the same gunicorn settings.

    python -m tools.bench                 # SQLite, PostgreSQL, bursts, memory (~10 min)
    python -m tools.bench --floor         # only the floor routes (tools.bench_floor)
    python -m tools.bench --burst         # only the bursts of concurrent Plivo callbacks
    python -m tools.bench --sustained     # SQLite under 4 workers: 20k reports, 64 connections

Every server is gunicorn with the production settings (gunicorn.conf.py: gthread workers; a
--threads or --worker-class given here applies to every server alike), started here as a
subprocess: the Plivo app, the Vonage app, the durable floor routes of tools.bench_floor (read,
check the provider's signature, insert the raw body, commit: the least a verified, durable
receiver does), and `tools.bench_bare`, a route on the same paths that reads, checks and stores
nothing. Each is driven with unique, correctly signed reports (made beforehand by the
provider's `bench_requests`, so signing costs the load generator nothing) by wrk with
tools/bench.lua, or by tools.loadgen when wrk is not installed. Each round runs the bare route
and every other server once, in the reverse order every other round, so drift in a shared,
noisy machine falls on all of them.

The figure that decides is server CPU per report: the user + system CPU time of the gunicorn
master and its workers over a run (tools.process_cpu reads /proc: Linux only), divided by the
requests answered in it. Throughput and latency depend on what else the machine's cores are
doing (here, the load generator and other work); CPU per report hardly does. Throughput, p50
and p99 are printed beside it for information.

Afterwards every report an app was sent is looked up in the store: acknowledged must mean
stored. (wrk cannot say which request an answer belongs to, so a run through wrk checks that
every report sent is stored except at most those still unanswered when it stopped;
tools.loadgen knows exactly.) Then the same on PostgreSQL (a throwaway schema on
--postgres-url): the Plivo app beside the PostgreSQL floor. Then bursts of 500 and 2,000
signed Plivo callbacks at once, and the workers' memory over 100k reports.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field, replace

from sqlalchemy import select

import nexmo_app
import plivo_app
from shared.store import Store, events
from tools import loadgen, process_cpu
from tools.run import free_port, wait_until_healthy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LUA = os.path.join(ROOT, "tools", "bench.lua")
CONFIG = os.path.join(ROOT, "gunicorn.conf.py")  # production's settings, for every server here
SECRETS = {
    "PLIVO_AUTH_TOKEN": "ZWY0ZjM4ZDY1ZmQ2NzZhOWE0YjBjNWVjYzRiNjY1",
    "VONAGE_SIGNATURE_SECRET": "bench-signature-secret", "VONAGE_SIGNATURE_METHOD": "md5hash",
}
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WRK_MISSING = ("wrk is not installed, so tools.loadgen drives the servers (one connection per "
               "request, and it takes CPU from them); for wrk: apt-get install wrk (Debian, "
               "Ubuntu) or brew install wrk (macOS)")


@dataclass(frozen=True)
class Target:
    name: str
    app: str  # what gunicorn runs
    path: str
    signer: str  # whose fake provider signs the requests (tools.bench_requests)
    provider: str | None = None  # the store's name for its reports, when it stores them there
    floor: str | None = None  # the target whose CPU per report it is held to…
    limit: float | None = None  # …at most this many times (issue 19)


def floor(name: str, signer: str = "plivo") -> Target:
    path = plivo_app.PATH if signer == "plivo" else nexmo_app.PATH
    return Target(f"floor {name}", f"tools.bench_floor:{name}", path, signer)


BARE = Target("bare", "tools.bench_bare:app", plivo_app.PATH, "plivo")
PLIVO_APP = Target("plivo", "plivo_app:create_app()", plivo_app.PATH, "plivo", "plivo")
VONAGE_APP = Target("vonage", "nexmo_app:create_app()", nexmo_app.PATH, "vonage", "vonage")
APPS = (PLIVO_APP, VONAGE_APP)
SQLITE_LIMIT, POSTGRES_LIMIT = 1.3, 1.2  # an app's CPU per report over its floor's
SQLITE_TARGETS = (
    floor("durable"), floor("durable_vonage", "vonage"),
    replace(PLIVO_APP, floor="floor durable", limit=SQLITE_LIMIT),
    replace(VONAGE_APP, floor="floor durable_vonage", limit=SQLITE_LIMIT),
)
POSTGRES_TARGETS = (
    floor("durable_postgres"),
    replace(PLIVO_APP, floor="floor durable_postgres", limit=POSTGRES_LIMIT),
)
FLOORS = (floor("read"), floor("check"), floor("insert"), floor("durable"),
          floor("durable_vonage", "vonage"))
BURSTS = (500, 2000)  # concurrent callbacks; gunicorn's default listen backlog is 2048
PLIVO_WAITS = 8  # seconds Plivo waits for an answer before it counts the callback as failed
MEMORY_GROWTH_MB = 20


@dataclass
class Run:
    requests: int
    seconds: float
    p50: float  # milliseconds
    p99: float
    non2xx: int
    socket_errors: int
    sent: list[int]  # per load-generator thread, how many of its records it sent
    cpu: float = 0.0  # the server's CPU seconds over the run

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us(self) -> float:
        return 1e6 * self.cpu / self.requests if self.requests else float("inf")


@dataclass
class Measured:
    """One target's runs in one comparison (the warm-up left out), beside the bare route's of
    the same rounds."""
    target: Target
    runs: list[Run] = field(default_factory=list)
    bare: list[Run] = field(default_factory=list)
    lost: int = 0  # reports sent and not found in the store
    unanswered: int = 0  # requests still in flight when the load generator stopped

    @property
    def cpu_us(self) -> float:
        """CPU µs per report, the median of the rounds: a spell of other work on the machine
        that falls on one run does not move it."""
        return statistics.median(r.cpu_us for r in self.runs)

    def floor_ratios(self, floor: "Measured") -> list[float]:
        """Its CPU per report over the floor's, round by round (the two runs of one round
        are seconds apart, so they share the machine's drift)."""
        return [a.cpu_us / f.cpu_us for a, f in zip(self.runs, floor.runs, strict=True)]

    @property
    def rate(self) -> float:
        return sum(r.requests for r in self.runs) / sum(r.seconds for r in self.runs)

    @property
    def bare_rate(self) -> float:
        return sum(r.requests for r in self.bare) / sum(r.seconds for r in self.bare)

    @property
    def bad(self) -> int:
        return sum(r.non2xx + r.socket_errors for r in self.runs)


# -- servers ---------------------------------------------------------------------------------

class Server:
    def __init__(self, app: str, port: int, workers: int, environment: dict, log_path: str,
                 options: tuple[str, ...] = ()):
        self.base_url = f"http://127.0.0.1:{port}"
        self.port = port
        self.log = open(log_path, "ab")  # closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", CONFIG, "-w", str(workers),
             "-b", f"127.0.0.1:{port}", *options, app],
            cwd=ROOT, env=environment, stdout=self.log, stderr=self.log)
        problem = wait_until_healthy(self.base_url, self.process)
        if problem:
            self.stop()
            raise SystemExit(f"gunicorn {problem}; see {self.log.name}")

    def cpu_seconds(self) -> float:
        """The master's and every worker's CPU time so far (Linux: /proc)."""
        return process_cpu.cpu_seconds(self.process.pid)

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (Linux: /proc)."""
        sizes = []
        for pid in process_cpu.children(self.process.pid):
            with suppress(OSError), open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# -- requests and load -----------------------------------------------------------------------

class Requests:
    """Signed requests made by the provider's bench_requests in a child process."""

    def __init__(self, workdir: str, environment: dict):
        self.workdir, self.environment, self.made = workdir, environment, 0
        # Message ids come from the seed: a new one each run keeps them unique in a database
        # that outlives the run (PostgreSQL), so an earlier run's rows cannot pass the check.
        self.seed = time.time_ns()

    def make(self, target: Target, url: str, count: int) -> str:
        self.made += 1
        out = os.path.join(self.workdir, f"{target.signer}-{self.made}.requests")
        subprocess.run([sys.executable, "-m", "tools.bench_requests", target.signer, "--url", url,
                        "--count", str(count), "--out", out, "--seed", str(self.seed + self.made)],
                       cwd=ROOT, env=self.environment, check=True)
        return out


def drive(url: str, requests_file: str, seconds: float, connections: int, use_wrk: bool) -> Run:
    if use_wrk:
        command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                   "--timeout", "30s", "-s", LUA, url, "--", requests_file, "1"]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        line = next(x for x in output.splitlines() if x.startswith("BENCH "))
        d = json.loads(line[6:])
        return Run(d["requests"], d["duration_us"] / 1e6, d["p50_us"] / 1000,
                   d["p99_us"] / 1000, d["non2xx"], d["socket_errors"] + d["timeouts"], d["sent"])
    host, port = url.split("//")[1].split("/")[0].split(":")
    result = loadgen.run((host, int(port)), loadgen.read_records(requests_file), connections,
                         seconds=seconds)
    return Run(result.requests, result.seconds, result.percentile(50) * 1000,
               result.percentile(99) * 1000, result.non2xx, result.socket_errors, result.sent)


def reports_of(requests_file: str) -> list[tuple[str, str]]:
    """The (message id, status) of each record of a requests file, in order."""
    with open(f"{requests_file}.reports") as file:
        return [tuple(line.rstrip("\n").split("\t")) for line in file]


def sent_reports(requests_file: str, sent: list[int]) -> set[tuple[str, str]]:
    """The (message id, status) of every record the load generator sent."""
    reports = reports_of(requests_file)
    threads = len(sent)
    chosen = set()
    for k, count in enumerate(sent):
        mine = reports[k::threads]
        chosen.update(mine[i % len(mine)] for i in range(count))
    return chosen


def missing(store: Store, provider: str, expected: set, unanswered: int = 0,
            settle: float = 15) -> int:
    """How many sent reports are not in the store, once no more than the `unanswered` ones are
    missing or `settle` seconds have passed (requests still being served)."""
    deadline = time.monotonic() + settle
    expected = {tuple(r) for r in expected}
    while True:
        with store.engine.connect() as conn:
            stored = {tuple(r) for r in conn.execute(
                select(events.c.message_id, events.c.status).where(events.c.provider == provider))}
        absent = len(expected - stored)
        if absent <= unanswered or time.monotonic() > deadline:
            return absent
        time.sleep(0.5)


# -- the comparison --------------------------------------------------------------------------

def compare(args, workdir: str, environment: dict, use_wrk: bool,
            targets: tuple[Target, ...]) -> list[Measured]:
    """A/B rounds of the bare route and each target on the same gunicorn settings: each round
    runs the bare route and every target once, in the reverse order every other round, so drift
    on a shared machine falls on all of them. Prints each run; returns the bare route's and each
    target's runs, and the store's check of what they acknowledged."""
    store = Store(environment["DATABASE_URL"])
    store.ensure_tables()
    requests = Requests(workdir, environment)
    everything = (BARE, *targets)
    measured = {t.name: Measured(t) for t in everything}
    width = max(len(t.name) for t in everything)
    with ExitStack() as stack:
        servers = {}
        for target in everything:
            log = os.path.join(workdir, f"{target.name.replace(' ', '-')}-{store_name(store)}.log")
            server = Server(target.app, free_port(), args.workers, environment, log,
                            server_options(args))
            stack.callback(server.stop)
            servers[target.name] = server
        estimate: dict[str, float] = {}

        def one(target: Target, seconds: float) -> Run:
            server = servers[target.name]
            url = f"{server.base_url}{target.path}"
            count = int(estimate.get(target.name, 3000) * seconds * 1.5) + 500
            requests_file = requests.make(target, url, count)
            before = server.cpu_seconds()
            run = drive(url, requests_file, seconds, args.connections, use_wrk)
            run.cpu = server.cpu_seconds() - before
            estimate[target.name] = max(estimate.get(target.name, 0), run.rate)
            if target.provider:
                in_flight = sum(run.sent) - run.requests - run.socket_errors
                m = measured[target.name]
                m.lost += missing(store, target.provider, sent_reports(requests_file, run.sent),
                                  in_flight)
                m.unanswered += in_flight
            return run

        print(f"\n{store_name(store)}: warming up ({describe(args, use_wrk)})", flush=True)
        for target in everything:
            one(target, 2)
        for round_number in range(args.rounds):
            order = list(everything)
            if round_number % 2:
                order.reverse()
            result = {t.name: one(t, args.seconds) for t in order}
            for target in order:
                run = result[target.name]
                measured[target.name].runs.append(run)
                measured[target.name].bare.append(result[BARE.name])
                print(f"  round {round_number + 1}  {target.name:<{width}} {run.rate:7.0f}/s  "
                      f"CPU {run.cpu_us:6.0f} µs/report  p50 {run.p50:6.1f} ms  "
                      f"p99 {run.p99:6.1f} ms", flush=True)
    return list(measured.values())


def store_name(store: Store) -> str:
    return store.engine.dialect.name


def gunicorn_command(args) -> str:
    return " ".join(("gunicorn -c gunicorn.conf.py -w", str(args.workers),
                     *server_options(args)))


def describe(args, use_wrk: bool) -> str:
    generator = "wrk" if use_wrk else "tools.loadgen"
    return (f"{gunicorn_command(args)}; {generator}, {args.connections} connections; "
            f"{args.rounds} rounds of {args.seconds:g} s")


def table(title: str, measured: list[Measured]) -> None:
    """Per target: CPU per report (the median of the rounds, and their range) and its ratio to
    its floor's (the median of the rounds' ratios); throughput (and its ratio to the bare
    route's), p50 and p99 (medians of the rounds); answers that were not 2xx; reports missing
    from the store (beside how many requests were in flight when the load generator stopped).
    """
    by_name = {m.target.name: m for m in measured}
    width = max(len(m.target.name) for m in measured) + 1
    print(f"\n{title}")
    print(f"{'':<{width}}{'CPU µs/report':>14}{'rounds':>12}{'vs floor':>9}{'req/s':>7}"
          f"{'vs bare':>8}{'p50 ms':>7}{'p99 ms':>7}{'non-2xx':>8}{'missing':>10}")
    for m in measured:
        rounds = [r.cpu_us for r in m.runs]
        vs_floor = (f"{statistics.median(m.floor_ratios(by_name[m.target.floor])):.2f}x"
                    if m.target.floor else "")
        lost = f"{m.lost} ({m.unanswered})" if m.target.provider else "–"
        print(f"{m.target.name:<{width}}{m.cpu_us:>14.0f}"
              f"{f'{min(rounds):.0f}–{max(rounds):.0f}':>12}{vs_floor:>9}{m.rate:>7.0f}"
              f"{m.rate / m.bare_rate:>7.2f}x{statistics.median(r.p50 for r in m.runs):>7.1f}"
              f"{statistics.median(r.p99 for r in m.runs):>7.1f}{m.bad:>8}{lost:>10}")
    print("(missing: reports sent and not in the store, and in brackets the requests still in "
          "flight when\n the load generator stopped, which may be among them; throughput and "
          "latency for information)")


def verdict(sections: dict[str, list[Measured]]) -> list[tuple[str, bool]]:
    """Issue 19's targets: each app's CPU per report within its limit of its floor's; no
    answer but 2xx; nothing acknowledged missing from the store."""
    lines = []
    bad = lost = 0
    for database, measured in sections.items():
        by_name = {m.target.name: m for m in measured}
        for m in measured:
            bad += m.bad
            lost += max(0, m.lost - m.unanswered)  # wrk: those unanswered may be missing
            if m.target.floor:
                rounds = m.floor_ratios(by_name[m.target.floor])
                ratio = statistics.median(rounds)
                lines.append((f"{database} {m.target.name}: CPU per report {ratio:.2f}x "
                              f"{m.target.floor}'s (rounds {min(rounds):.2f}–{max(rounds):.2f}; "
                              f"at most {m.target.limit:.2f}x)", ratio <= m.target.limit))
    lines.append((f"answers and store: {bad} non-2xx or failed, {lost} acknowledged and "
                  "missing", bad == 0 and lost == 0))
    return lines


# -- bursts ----------------------------------------------------------------------------------

def bursts(args, workdir: str, environment: dict) -> bool:
    """500, then 2,000 signed Plivo callbacks at once, each on a connection of its own, at the
    Plivo app on the same gunicorn settings: a provider's backlog arriving after an outage.
    Every answer must come within Plivo's 8 s and every 2xx must be stored; of the 500, every
    one must be 2xx; of the 2,000, a 503 (Plivo retries) is allowed, anything else is not."""
    # Before gunicorn starts, which inherits it: the workers hold the connections too.
    loadgen.raise_open_file_limit(max(BURSTS) + 256)
    store = Store(environment["DATABASE_URL"])
    store.ensure_tables()
    requests = Requests(workdir, environment)
    server = Server(PLIVO_APP.app, free_port(), args.workers, environment,
                    os.path.join(workdir, "plivo-bursts.log"), server_options(args))
    address = ("127.0.0.1", server.port)
    url = f"{server.base_url}{PLIVO_APP.path}"
    print(f"\nbursts: Plivo callbacks at once, one connection each, {store_name(store)}, "
          f"{gunicorn_command(args)}", flush=True)
    ok = True
    try:
        warm_up = loadgen.read_records(requests.make(PLIVO_APP, url, 200))[:200]
        loadgen.run(address, warm_up, args.connections)
        for size in BURSTS:
            requests_file = requests.make(PLIVO_APP, url, size)
            records = loadgen.read_records(requests_file)[:size]
            answers = loadgen.burst(address, records, timeout=PLIVO_WAITS + 4)
            reports = reports_of(requests_file)[:size]
            accepted = {r for r, a in zip(reports, answers, strict=True)
                        if a.status and 200 <= a.status < 300}
            lost = missing(store, PLIVO_APP.provider, accepted)
            statuses = Counter(a.status for a in answers if a.status)
            errors = Counter(a.error for a in answers if not a.status)
            ok_2xx = sum(n for s, n in statuses.items() if 200 <= s < 300)
            others = {s: n for s, n in statuses.items() if not 200 <= s < 300 and s != 503}
            answered = [a.seconds for a in answers if a.status]
            slowest = max(answered, default=0)
            median = statistics.median(answered) if answered else 0
            print(f"  {size:>5} at once: {ok_2xx} 2xx, {statuses.get(503, 0)} 503, other "
                  f"answers {others or 'none'}, no answer {dict(errors) or 'none'}; slowest "
                  f"answer {slowest:.2f} s (median {median:.2f} s, Plivo waits {PLIVO_WAITS} s);"
                  f" {len(accepted) - lost} of {len(accepted)} 2xx reports stored", flush=True)
            passed = not errors and not others and slowest < PLIVO_WAITS and lost == 0
            if size == min(BURSTS):
                passed &= ok_2xx == size
            ok &= passed
    finally:
        server.stop()
    return ok


# -- memory ----------------------------------------------------------------------------------

def memory(args, workdir: str, environment: dict) -> bool:
    ok = True
    requests = Requests(workdir, environment)
    print(f"\nworker memory (gunicorn -w {args.workers}, RSS of the larger worker)")
    for target in APPS:
        server = Server(target.app, free_port(), args.workers, environment,
                        os.path.join(workdir, f"{target.provider}-memory.log"),
                        server_options(args))
        try:
            url = f"{server.base_url}{target.path}"
            address = ("127.0.0.1", server.port)
            first = loadgen.read_records(requests.make(target, url, 1000))[:1000]
            loadgen.run(address, first, args.connections)
            after_first = max(server.worker_rss_mb())
            rest = args.memory_reports - len(first)
            done = 0
            while done < rest:  # in slices: Vonage's signing timestamp must stay fresh
                chunk = loadgen.read_records(requests.make(target, url, min(20000, rest - done)))
                chunk = chunk[:rest - done]
                result = loadgen.run(address, chunk, args.connections)
                if result.non2xx or result.socket_errors:
                    print(f"  {target.provider}: {result.non2xx} non-2xx, "
                          f"{result.socket_errors} socket errors")
                    ok = False
                done += len(chunk)
            after_all = max(server.worker_rss_mb())
        finally:
            server.stop()
        growth = after_all - after_first
        print(f"  {target.provider:<7} after 1k reports {after_first:6.1f} MB, after "
              f"{args.memory_reports // 1000}k {after_all:6.1f} MB: growth {growth:+.1f} MB",
              flush=True)
        ok &= growth < MEMORY_GROWTH_MB
    return ok


# -- SQLite under several workers ------------------------------------------------------------

def sustained(args, workdir: str, environment: dict) -> bool:
    ok = True
    store = Store(environment["DATABASE_URL"])
    store.ensure_tables()
    requests = Requests(workdir, environment)
    print(f"sustained: {args.sustained_reports} reports over {args.sustained_connections} "
          f"connections to gunicorn -w 4, {store_name(store)}")
    for target in APPS:
        server = Server(target.app, free_port(), 4, environment,
                        os.path.join(workdir, f"{target.provider}-sustained.log"),
                        server_options(args))
        try:
            url = f"{server.base_url}{target.path}"
            requests_file = requests.make(target, url, args.sustained_reports)
            records = loadgen.read_records(requests_file)[:args.sustained_reports]
            result = loadgen.run(("127.0.0.1", server.port), records, args.sustained_connections)
        finally:
            server.stop()
        lost = missing(store, target.provider, sent_reports(requests_file, result.sent))
        errors_5xx = sum(n for status, n in result.statuses.items() if status >= 500)
        print(f"  {target.provider:<7} {result.requests} answered in {result.seconds:.1f} s "
              f"({result.requests / result.seconds:.0f}/s): statuses {dict(result.statuses)}, "
              f"{errors_5xx} 5xx, {result.socket_errors} socket errors, {lost} missing; "
              f"p99 {result.percentile(99) * 1000:.0f} ms")
        ok &= errors_5xx == 0 and result.socket_errors == 0 and lost == 0
    return ok


def server_options(args) -> tuple[str, ...]:
    """What the command line changes from gunicorn.conf.py, the same for every server."""
    options = ()
    if args.threads:
        options += ("--threads", str(args.threads))
    if args.worker_class:
        options += ("-k", args.worker_class)
    return options


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    # Many short rounds rather than a few long ones: a spell of other work on a shared machine
    # then falls on one run of many, and the medians leave it out.
    parser.add_argument("--rounds", type=int, default=10, help="A/B rounds (default 10)")
    parser.add_argument("--seconds", type=float, default=2, help="per run (default 2)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, help="per worker (default: gunicorn.conf.py's)")
    parser.add_argument("--worker-class", help="default: gunicorn.conf.py's (gthread); "
                        "gunicorn runs gthread whenever threads > 1, so sync needs --threads 1")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("BENCH_POSTGRES_URL", POSTGRES_URL),
                        help="the PostgreSQL server for the second half (default: "
                             "%(default)s; '' skips it)")
    parser.add_argument("--log-level", default="INFO", help="the apps' LOG_LEVEL (default INFO)")
    parser.add_argument("--loadgen", action="store_true", help="use tools.loadgen, not wrk")
    parser.add_argument("--memory-reports", type=int, default=100_000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-bursts", action="store_true")
    parser.add_argument("--burst", action="store_true",
                        help="instead: only the bursts of 500 and 2,000 concurrent callbacks")
    parser.add_argument("--floor", action="store_true",
                        help="instead: the floor routes of tools.bench_floor against the bare one")
    parser.add_argument("--sustained", action="store_true",
                        help="instead: SQLite under 4 workers, many reports over 64 connections")
    parser.add_argument("--sustained-reports", type=int, default=20_000)
    parser.add_argument("--sustained-connections", type=int, default=64)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not sys.platform.startswith("linux"):
        raise SystemExit("make bench reads the servers' CPU time from /proc: Linux only")
    workdir = tempfile.mkdtemp(prefix="sms-bench-")
    environment = {
        **os.environ, **SECRETS, "LOG_LEVEL": args.log_level, "LOG_FORMAT": "text",
        "DATABASE_URL": args.database_url or f"sqlite:///{workdir}/bench.db",
        "PUBLIC_BASE_URL": "", "TRUST_PROXY": "", "ALLOW_UNSIGNED_CALLBACKS": "",
        "BENCH_FLOOR_DATABASE": os.path.join(workdir, "floor.db"),
    }
    use_wrk = shutil.which("wrk") is not None and not args.loadgen
    if shutil.which("wrk") is None:
        print(WRK_MISSING)
    try:
        if args.burst:
            return 0 if bursts(args, workdir, environment) else 1
        if args.sustained:
            return 0 if sustained(args, workdir, environment) else 1
        if args.floor:
            measured = compare(args, workdir, environment, use_wrk, FLOORS)
            table(f"floor routes, sqlite ({describe(args, use_wrk)})", measured)
            return 0
        return whole(args, workdir, environment, use_wrk)
    finally:
        if args.keep:
            print(f"logs and requests kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def whole(args, workdir: str, environment: dict, use_wrk: bool) -> int:
    """`make bench`: SQLite, PostgreSQL, bursts, memory; then the tables and the verdict."""
    sections = {"sqlite": compare(args, workdir, environment, use_wrk, SQLITE_TARGETS)}
    checks = []
    if args.postgres_url:
        measured = on_postgres(args, workdir, environment, use_wrk)
        if measured:
            sections["postgresql"] = measured
        else:
            checks.append(("postgresql: could not be reached (--postgres-url '' skips it)",
                           False))
    if not args.skip_bursts:
        checks.append(("bursts of 500 and 2,000 Plivo callbacks at once: all answered within "
                       f"{PLIVO_WAITS} s, every 2xx stored",
                       bursts(args, workdir, environment)))
    if not args.skip_memory:
        checks.append((f"worker memory: grows less than {MEMORY_GROWTH_MB} MB over "
                       f"{args.memory_reports // 1000}k reports",
                       memory(args, workdir, environment)))
    for database, measured in sections.items():
        table(f"{database} ({describe(args, use_wrk)})", measured)
    lines = verdict(sections) + checks
    print("\ntargets (issue 19): each app's server CPU per report at most "
          f"{SQLITE_LIMIT:.1f}x its floor's on SQLite, {POSTGRES_LIMIT:.1f}x on PostgreSQL")
    for line, met in lines:
        print(f"  {line}: {'met' if met else 'NOT met'}")
    ok = all(met for _, met in lines)
    print(f"overall: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def on_postgres(args, workdir: str, environment: dict, use_wrk: bool) -> list[Measured] | None:
    """The Plivo app beside the PostgreSQL floor, in a throwaway schema; None when the server
    cannot be reached."""
    from tests.database import DatabaseUnreachable, fresh_database

    try:
        with fresh_database(args.postgres_url) as url:
            environment = {**environment, "DATABASE_URL": url, "BENCH_FLOOR_POSTGRES_URL": url}
            return compare(args, workdir, environment, use_wrk, POSTGRES_TARGETS)
    except DatabaseUnreachable as err:
        print(f"\npostgresql: skipped, {err}")
        return None


if __name__ == "__main__":
    raise SystemExit(main())
