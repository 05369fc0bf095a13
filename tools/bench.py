"""`make bench`: each receiver against a bare Flask route, on the same gunicorn settings.

    python -m tools.bench                 # SQLite (floor routes and apps), PostgreSQL, memory
    python -m tools.bench --floor         # only the floor routes (tools.bench_floor)
    python -m tools.bench --burst         # SQLite under 4 workers: 20k reports, 64 connections

Every server is gunicorn with the production settings (gunicorn.conf.py: gthread workers),
started here as a subprocess: the Plivo app, the Vonage app, the floor routes of
tools.bench_floor (the least any receiver does), and `tools.bench_bare`, a route on the same
paths that reads, checks and stores nothing. Each is driven with unique, correctly signed
reports (made beforehand by the provider's `bench_requests`, so signing costs the load
generator nothing) by wrk with tools/bench.lua, or by tools.loadgen when wrk is not installed.
Each round runs the bare route and every other server once, in the reverse order every other
round, so drift in a shared, noisy machine falls on both sides. Afterwards every report a server
was sent is looked up in the store: acknowledged must mean stored. (wrk cannot say which request
an answer belongs to, so a run through wrk checks that every report sent is stored except at
most those still unanswered when it stopped; tools.loadgen, used for the memory and burst runs,
knows exactly.) Then the same on PostgreSQL (a throwaway schema on --postgres-url), with the same
workers and with 4, and the workers' memory over 100k reports.
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
from collections import defaultdict
from contextlib import ExitStack, suppress
from dataclasses import dataclass

from sqlalchemy import select

import nexmo_app
import plivo_app
from shared.store import Store, events
from tools import loadgen
from tools.run import free_port, wait_until_healthy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LUA = os.path.join(ROOT, "tools", "bench.lua")
CONFIG = os.path.join(ROOT, "gunicorn.conf.py")  # production's settings, for every server here
BARE = "tools.bench_bare:app"
SECRETS = {
    "PLIVO_AUTH_TOKEN": "ZWY0ZjM4ZDY1ZmQ2NzZhOWE0YjBjNWVjYzRiNjY1",
    "VONAGE_SIGNATURE_SECRET": "bench-signature-secret", "VONAGE_SIGNATURE_METHOD": "md5hash",
}


@dataclass(frozen=True)
class Target:
    provider: str  # the store's name for it
    app: str  # what gunicorn runs
    path: str
    signer: str  # whose fake provider signs the requests (tools.bench_requests)
    stores: bool = True  # whether what it acknowledges must be in the store afterwards


TARGETS = (
    Target("plivo", "plivo_app:create_app()", plivo_app.PATH, "plivo"),
    Target("vonage", "nexmo_app:create_app()", nexmo_app.PATH, "vonage"),
)
FLOORS = tuple(
    Target(name, f"tools.bench_floor:{app}", plivo_app.PATH, "plivo", False)
    for name, app in (("read", "read"), ("check", "check"), ("insert", "insert"),
                      ("durable", "durable")))
SQLITE_GOAL, POSTGRES_GOAL, P99_GOAL = 0.60, 0.40, 2.5  # throughput and p99 vs the bare route
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Run:
    requests: int
    seconds: float
    p50: float  # milliseconds
    p99: float
    non2xx: int
    socket_errors: int
    sent: list[int]  # per load-generator thread, how many of its records it sent

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


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

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (Linux: /proc)."""
        pids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
                              capture_output=True, text=True).stdout.split()
        sizes = []
        for pid in pids:
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
        out = os.path.join(self.workdir, f"{target.provider}-{self.made}.requests")
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


def sent_reports(requests_file: str, sent: list[int]) -> set[tuple[str, str]]:
    """The (message id, status) of every record the load generator sent."""
    with open(f"{requests_file}.reports") as file:
        reports = [tuple(line.rstrip("\n").split("\t")) for line in file]
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

def compare(args, workdir: str, environment: dict, use_wrk: bool, targets=TARGETS,
            workers: int | None = None, goal: float | None = None) -> bool:
    """A/B rounds of the bare route and each target on the same gunicorn settings: each round
    runs the bare route and every target once, in the reverse order every other round, so drift
    on a shared machine falls on both sides. Prints each target's ratio to the bare route; True
    when every storing target meets `goal` (the throughput ratio) and the other targets."""
    workers = workers or args.workers
    store = Store(environment["DATABASE_URL"])
    store.ensure_tables()
    requests = Requests(workdir, environment)
    by_name = {t.provider: t for t in targets}
    with ExitStack() as stack:
        servers = {}
        for name, app in [("bare", BARE)] + [(t.provider, t.app) for t in targets]:
            server = Server(app, free_port(), workers, environment,
                            os.path.join(workdir, f"{name}-{workers}.log"), server_options(args))
            stack.callback(server.stop)
            servers[name] = server
        runs: dict[str, list[tuple[Run, Run]]] = defaultdict(list)  # target -> [(bare, it)]
        estimate = {}
        lost, unanswered = defaultdict(int), defaultdict(int)

        def one(target: Target, name: str, seconds: float) -> Run:
            server = servers[name]
            url = f"{server.base_url}{target.path}"
            count = int(estimate.get(name, 3000) * seconds * 1.5) + 500
            requests_file = requests.make(target, url, count)
            run = drive(url, requests_file, seconds, args.connections, use_wrk)
            estimate[name] = max(estimate.get(name, 0), run.rate)
            if name != "bare" and target.stores:
                in_flight = sum(run.sent) - run.requests - run.socket_errors
                lost[name] += missing(store, target.provider,
                                      sent_reports(requests_file, run.sent), in_flight)
                unanswered[name] += in_flight
            return run

        width = max(13, *(len(t.provider) + 2 for t in targets))
        command = " ".join(("gunicorn -c gunicorn.conf.py -w", str(workers),
                            *server_options(args)))
        generator = "wrk" if use_wrk else "tools.loadgen"
        print(f"\n{store.engine.dialect.name}: warming up ({generator}, {args.connections} "
              f"connections, {command})", flush=True)
        for name in ["bare", *by_name]:
            one(targets[0] if name == "bare" else by_name[name], name, 2)
        for round_number in range(args.rounds):
            order = ["bare", *by_name]
            if round_number % 2:
                order.reverse()
            result = {name: one(targets[0] if name == "bare" else by_name[name], name,
                                args.seconds) for name in order}
            b = result["bare"]
            for name in by_name:
                a = result[name]
                runs[name].append((b, a))
                print(f"  round {round_number + 1} {name:<{width - 2}} {a.rate:7.0f}/s vs bare "
                      f"{b.rate:7.0f}/s  ratio {a.rate / b.rate:.2f}  p50 {a.p50:6.1f} vs "
                      f"{b.p50:6.1f} ms  p99 {a.p99:6.1f} vs {b.p99:6.1f} ms", flush=True)
        ok = True
        print(f"\n{'':<{width}}{'throughput':>12}{'p50 ratio':>11}{'p99 ratio':>11}"
              f"{'non-2xx':>9}{'missing':>9}{'unanswered':>12}")
        for target in targets:
            name = target.provider
            pairs = runs[name]
            bare_rate = sum(b.requests for b, _ in pairs) / sum(b.seconds for b, _ in pairs)
            rate = sum(a.requests for _, a in pairs) / sum(a.seconds for _, a in pairs)
            ratio = rate / bare_rate
            p50 = statistics.median(a.p50 / b.p50 for b, a in pairs)
            p99 = statistics.median(a.p99 / b.p99 for b, a in pairs)
            bad = sum(a.non2xx + a.socket_errors for _, a in pairs)
            label = name if target.stores else f"floor {name}"
            print(f"{label:<{width}}{ratio:>11.2f}x{p50:>10.2f}x{p99:>10.2f}x{bad:>9}"
                  f"{lost[name]:>9}{unanswered[name]:>12}   ({rate:.0f}/s vs bare "
                  f"{bare_rate:.0f}/s, -w {workers})")
            if target.stores and goal is not None:
                ok &= ratio >= goal and p99 <= P99_GOAL and bad == 0 and \
                    lost[name] <= unanswered[name]
        if goal is not None:
            print(f"target: both apps >= {goal:.2f}x, p99 <= {P99_GOAL:.2f}x, no non-2xx, "
                  "nothing acknowledged missing: " + ("met" if ok else "NOT met"))
    return ok


# -- memory ----------------------------------------------------------------------------------

def memory(args, workdir: str, environment: dict) -> bool:
    ok = True
    requests = Requests(workdir, environment)
    print(f"\nworker memory (gunicorn -w {args.workers}, RSS of the larger worker)")
    for target in TARGETS:
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
              f"{args.memory_reports // 1000}k {after_all:6.1f} MB: growth {growth:+.1f} MB")
        ok &= growth < 20
    return ok


# -- SQLite under several workers ------------------------------------------------------------

def burst(args, workdir: str, environment: dict) -> bool:
    ok = True
    store = Store(environment["DATABASE_URL"])
    store.ensure_tables()
    requests = Requests(workdir, environment)
    print(f"burst: {args.burst_reports} reports over {args.burst_connections} connections to "
          f"gunicorn -w 4, {store.engine.dialect.name}")
    for target in TARGETS:
        server = Server(target.app, free_port(), 4, environment,
                        os.path.join(workdir, f"{target.provider}-burst.log"),
                        server_options(args))
        try:
            url = f"{server.base_url}{target.path}"
            requests_file = requests.make(target, url, args.burst_reports)
            records = loadgen.read_records(requests_file)[:args.burst_reports]
            result = loadgen.run(("127.0.0.1", server.port), records, args.burst_connections)
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
    parser.add_argument("--rounds", type=int, default=4, help="A/B rounds (default 4)")
    parser.add_argument("--seconds", type=float, default=5, help="per run (default 5)")
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
    parser.add_argument("--burst", action="store_true",
                        help="instead: the SQLite burst under 4 workers")
    parser.add_argument("--floor", action="store_true",
                        help="instead: the floor routes of tools.bench_floor against the bare one")
    parser.add_argument("--burst-reports", type=int, default=20_000)
    parser.add_argument("--burst-connections", type=int, default=64)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="sms-bench-")
    environment = {
        **os.environ, **SECRETS, "LOG_LEVEL": args.log_level, "LOG_FORMAT": "text",
        "DATABASE_URL": args.database_url or f"sqlite:///{workdir}/bench.db",
        "PUBLIC_BASE_URL": "", "TRUST_PROXY": "", "ALLOW_UNSIGNED_CALLBACKS": "",
        "BENCH_FLOOR_DATABASE": os.path.join(workdir, "floor.db"),
    }
    use_wrk = shutil.which("wrk") is not None and not args.loadgen
    try:
        if args.burst:
            ok = burst(args, workdir, environment)
        elif args.floor:
            compare(args, workdir, environment, use_wrk, FLOORS)
            ok = True
        else:
            print("floor rows: the least any receiver does (tools.bench_floor), ceilings for "
                  "the apps, not targets")
            ok = compare(args, workdir, environment, use_wrk, FLOORS + TARGETS,
                         goal=SQLITE_GOAL)
            if args.postgres_url:
                ok &= on_postgres(args, workdir, environment, use_wrk)
            if not args.skip_memory:
                ok &= memory(args, workdir, environment)
    finally:
        if args.keep:
            print(f"logs and requests kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


def on_postgres(args, workdir: str, environment: dict, use_wrk: bool) -> bool:
    """The apps on PostgreSQL, in a throwaway schema: the same workers, then 4 workers."""
    from tests.database import DatabaseUnreachable, fresh_database

    try:
        with fresh_database(args.postgres_url) as url:
            environment = {**environment, "DATABASE_URL": url}
            ok = compare(args, workdir, environment, use_wrk, goal=POSTGRES_GOAL)
            if args.workers != 4:
                compare(args, workdir, environment, use_wrk, workers=4)
            return ok
    except DatabaseUnreachable as err:
        print(f"\npostgresql: skipped, {err} (--postgres-url '' skips it quietly)")
        return False


if __name__ == "__main__":
    raise SystemExit(main())
