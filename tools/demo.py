"""`make demo`: both apps, the fake providers playing at them, and proof that every report landed.

First a week of history and a bad hour (the `degradation` scenario), then the alert check,
whose emails go to a mail server the demo starts on this machine and are printed here; then the
same hour again in which one country fails while the account holds (`country-degradation`) and
the check once more, which alerts on that country alone; then every other scenario and a
campaign.

    python -m tools.demo          # then serves the log pages until Ctrl-C
    python -m tools.demo --once   # exits after the summary: 0 only if every report was stored

Sample-only code: it starts the apps exactly as `python -m plivo_app` / `python -m nexmo_app`,
runs the simulators exactly as a person would, and reads the results back through
GET /messages/<id>, so it exercises the same paths a real provider does.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from nexmo_app.simulate import FakeVonage
from nexmo_app.simulate_messages_api import FakeVonageMessagesApi
from plivo_app.simulate import FakePlivo
from shared import env
from simulator.scenarios import FAILING_COUNTRY, REPLAYS
from tools import demo_mail, local_secrets, run

DEMO_DATABASE = "demo.db"
TIME_SCALE = "0.01"  # Plivo's 60 s retry gap becomes 0.6 s
# An alert is raised once per clock hour: to show it, the two checks must judge one hour, and
# the replays and checks between them take well under this (about 20 s on a 2-core machine).
ALERT_STEPS = timedelta(seconds=90)
# Each fake provider knows its app: the simulator's module, the port and the callback path.
FAKES = {fake.name: fake for fake in (FakePlivo, FakeVonage)}
# What the demo plays, and the options that pick it: the Vonage app takes both Vonage APIs.
PLAYS = ((FakePlivo, ()), (FakeVonage, ()), (FakeVonageMessagesApi, ("--api", "messages")))


def this_python() -> str:
    """How to call the Python running the demo from here: `.venv/bin/python` after `make demo`,
    so a hint works in a terminal where the virtual environment is not active."""
    try:
        relative = os.path.relpath(sys.executable)
    except ValueError:  # Windows: on another drive
        return "python"
    return "python" if relative.startswith("..") else relative


def app_module(fake) -> str:
    return fake.module.split(".")[0]  # plivo_app.simulate → plivo_app


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--once", action="store_true",
                        help="stop after the summary; exit 0 only if every report was stored")
    parser.add_argument("--plivo-port", type=int,
                        default=int(env(FakePlivo.port_variable, FakePlivo.default_port)),
                        help="port of the Plivo app (default PLIVO_PORT or 5000)")
    parser.add_argument("--vonage-port", type=int,
                        default=int(env(FakeVonage.port_variable, FakeVonage.default_port)),
                        help="port of the Vonage app (default VONAGE_PORT or 5001)")
    # Internal: the tests play shorter campaigns.
    parser.add_argument("--messages", type=int, default=200, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# -- settings -------------------------------------------------------------------------------

def demo_database() -> str:
    """A fresh demo.db, kept apart from the apps' own database (DATABASE_URL in .env);
    DEMO_DATABASE_URL runs the demo on another database, e.g. PostgreSQL."""
    if env("DEMO_DATABASE_URL"):
        return env("DEMO_DATABASE_URL")
    for suffix in ("", "-wal", "-shm"):
        Path(DEMO_DATABASE + suffix).unlink(missing_ok=True)
    return f"sqlite:///{DEMO_DATABASE}"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the apps' server does: connections of a previous run lingering in TIME_WAIT do
        # not make the port busy, a server listening on it does. (Windows has no TIME_WAIT
        # problem, and there SO_REUSEADDR would let us bind over a listening server.)
        if os.name != "nt":
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


# -- the apps -------------------------------------------------------------------------------

def start_app(module: str, port: int, database_url: str, log_path: Path) -> subprocess.Popen:
    # The simulators call the apps on 127.0.0.1 and sign that URL, and the demo reads the log
    # pages from there: a .env set up for ngrok (PUBLIC_BASE_URL, TRUST_PROXY) or with a
    # LOG_PAGE_PASSWORD must not apply to the demo's apps.
    settings = {"HOST": "127.0.0.1", "DATABASE_URL": database_url, "PUBLIC_BASE_URL": "",
                "TRUST_PROXY": "", "LOG_PAGE_PASSWORD": ""}
    # The app writes to its own copy of the file; ours is closed at once (Windows could not
    # remove the folder afterwards while we held it).
    with open(log_path, "w", encoding="utf-8") as log_file:
        return run.start(module, port, settings, log=log_file)


def why_not_healthy(base: str, process: subprocess.Popen, log_path: Path) -> str | None:
    """None once the app answers; otherwise why not, with the end of its log."""
    problem = run.wait_until_healthy(base, process)
    if problem is None:
        return None
    tail = log_path.read_text(encoding="utf-8").strip().splitlines()[-5:]
    return f"{problem} (see {log_path}):\n    " + "\n    ".join(tail)


# -- playing and checking ---------------------------------------------------------------------

def wait_for_room_in_the_hour() -> None:
    """Close to the end of a clock hour, wait for the next, so both checks judge one hour."""
    now = datetime.now(UTC)
    left = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1) - now
    if left < ALERT_STEPS:
        print(f"\nWaiting {left.total_seconds():.0f} s for the next clock hour: an alert is "
              "raised once per hour, and the two checks below must judge the same one.")
        time.sleep(left.total_seconds() + 1)


def simulate(module: str, url: str, scenarios: list[str], expect_file: Path,
             *extra: str) -> int:
    command = [sys.executable, "-m", module, *scenarios, "--url", url,
               "--time-scale", TIME_SCALE, "--expect-file", str(expect_file), *extra]
    return subprocess.run(command, env=os.environ.copy()).returncode


def play_degradation(bases: dict[str, str], expect_file: Path, scenario: str = "degradation",
                     seed: int = 7) -> int:
    """A week of good hours and a bad one at each app; returns how many runs gave up a report.
    Each scenario has its own seed: the same one would make the same message ids again."""
    failed_runs = 0
    for provider, fake in FAKES.items():
        print(f"\n{fake.title} app on {bases[provider]}: python -m {fake.module} {scenario}")
        failed_runs += simulate(fake.module, bases[provider] + fake.path, [scenario],
                                expect_file, "--seed", str(seed)) != 0
    return failed_runs


def check_alerts(database_url: str) -> list[str]:
    """`python -m alerts check` as cron would run it, mailing a local SMTP server; the
    emails it sends are printed. Returns their subjects."""
    controller, inbox = demo_mail.start()
    settings = {"DATABASE_URL": database_url, "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(controller.port), "SMTP_STARTTLS": "",
                "SMTP_USER": "", "ALERT_EMAIL_TO": "ops@example.com",
                "ALERT_EMAIL_FROM": "sms-alerts@example.com"}
    print("\n$ python -m alerts check   (emails go to a mail server on "
          f"127.0.0.1:{controller.port} the demo started)")
    try:
        subprocess.run([sys.executable, "-m", "alerts", "check"],
                       env={**os.environ, **settings}, check=False)
    finally:
        controller.stop()
    mails = inbox.messages()
    for number, mail in enumerate(mails):
        print(f"\n  ✉ To: {mail['To']} · Subject: {mail['Subject']}")
        if number == 0:  # one in full; the others say the same of their own hour
            body = mail.get_content().replace("\r\n", "\n").strip()
            print("    " + body.replace("\n", "\n    "))
    return [str(mail["Subject"]) for mail in mails]


def play_everything(bases: dict[str, str], expect_file: Path, messages: int) -> int:
    """Every scenario, then a campaign, at each app; returns how many runs gave up a report."""
    failed_runs = 0
    for seed, (fake, options) in enumerate(PLAYS, 1):
        url = bases[fake.name] + fake.path
        print(f"\n{fake.title} at {bases[fake.name]}: python -m {fake.module} "
              f"{' '.join(options)} …")
        # The campaign comes next; the degradations were played first, and alerted.
        scenarios = [s for s in fake.scenarios if s != "campaign" and s not in REPLAYS]
        failed_runs += simulate(fake.module, url, scenarios, expect_file, "--quiet",
                                *options) != 0
        failed_runs += simulate(fake.module, url, ["campaign"], expect_file, "--messages",
                                str(messages), "--seed", str(seed), *options) != 0
    return failed_runs


def check_stored(expect_file: Path, bases: dict[str, str]) -> tuple[int, list[str]]:
    """Reads every simulated message back through GET /messages/<id>."""
    session = requests.Session()
    checked, problems = 0, []
    for line in expect_file.read_text(encoding="utf-8").splitlines():
        expected = json.loads(line)
        checked += 1
        url = f"{bases[expected['provider']]}/messages/{expected['message_id']}"
        response = session.get(url, headers={"Accept": "application/json"}, timeout=10)
        if response.status_code != 200:
            problems.append(f"{url}: HTTP {response.status_code}")
            continue
        stored = response.json()
        if stored["state"] != expected["state"] or len(stored["events"]) != expected["events"]:
            problems.append(f"{url}: {stored['state']} with {len(stored['events'])} events, "
                            f"expected {expected['state']} with {expected['events']}")
    return checked, problems


# A werkzeug access-log line: shown only when the answer was not 2xx.
ACCESS_LINE = re.compile(r'"[A-Z]+ \S+ HTTP/[\d.]+" (\d{3}) ')
STARTUP_NOISE = (" * ", "WARNING: This is a development server", "Press CTRL+C")


COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # werkzeug colours its access log on a terminal


def worth_showing(line: str) -> bool:
    if not line.strip() or any(noise in line for noise in STARTUP_NOISE):
        return False
    access = ACCESS_LINE.search(line)
    return access is None or not access.group(1).startswith("2")


def follow(logs: dict[str, Path], processes: list[subprocess.Popen]) -> None:
    """Like `stripe listen`: every report the apps log, as it arrives, until one stops."""
    offsets = {name: path.stat().st_size for name, path in logs.items()}
    while all(p.poll() is None for p in processes):
        for name, path in logs.items():
            with open(path, encoding="utf-8", errors="replace") as log:
                log.seek(offsets[name])
                text = log.read()
            complete = text[:text.rfind("\n") + 1]
            offsets[name] += len(complete.encode("utf-8"))
            for line in COLOURS.sub("", complete).splitlines():
                if worth_showing(line):
                    print(f"{FAKES[name].title:<7}| {line}", flush=True)
        time.sleep(0.3)


def main(argv=None) -> int:
    args = parse_args(argv)
    run.stop_on_signals()
    ports = {"plivo": args.plivo_port, "vonage": args.vonage_port}
    for provider, port in ports.items():
        if not port_is_free(port):
            fake = FAKES[provider]
            print(f"Port {port} for the {fake.title} app is already in use (is `make run` "
                  "or another demo running? On macOS, AirPlay Receiver takes 5000). Choose "
                  f"another: make demo {fake.port_variable}={port + 50}", file=sys.stderr)
            return 2
    for note in local_secrets.prepare("make demo"):
        print(f"· {note}")
    database_url = demo_database()
    print(f"· storing in {database_url}")
    workdir = Path(tempfile.mkdtemp(prefix="sms-demo-"))
    expect_file = workdir / "expected.jsonl"
    bases = {p: f"http://127.0.0.1:{port}" for p, port in ports.items()}
    processes, logs = [], {}
    keep_logs = True  # removed once the demo passed or the user stopped it
    try:
        for provider, fake in FAKES.items():
            logs[provider] = workdir / f"{app_module(fake)}.log"
            processes.append(
                start_app(app_module(fake), ports[provider], database_url, logs[provider]))
        for process, provider in zip(processes, FAKES, strict=True):
            problem = why_not_healthy(bases[provider], process, logs[provider])
            if problem:
                print(f"The {FAKES[provider].title} app {problem}", file=sys.stderr)
                return 1
        # The degradation first, so the hour the check judges holds its bad hour alone: the
        # campaign, played after the alert, would lift the hour's rate back above the line.
        wait_for_room_in_the_hour()
        failed_runs = play_degradation(bases, expect_file)
        account = check_alerts(database_url)
        # Then one country fails in the same hour while the account's rate recovers (the
        # account's alert stays raised once this hour): the check alerts on that country.
        failed_runs += play_degradation(bases, expect_file, "country-degradation", seed=8)
        countries = check_alerts(database_url)
        failed_runs += play_everything(bases, expect_file, args.messages)
        checked, problems = check_stored(expect_file, bases)
        print(f"\nChecked through GET /messages/<id>: {checked - len(problems)} of {checked} "
              "messages stored with the expected state and one event per distinct report.")
        for problem in problems[:10]:
            print(f"  ✗ {problem}")
        print("\nThe SMS log and its pictures (open them in a browser on this machine):")
        for provider, base in bases.items():
            print(f"  {FAKES[provider].title:<7} {base}/messages   {base}/pictures")
        print(f"  filtered, e.g. {bases['plivo']}/messages?direction=inbound   "
              f"{bases['plivo']}/messages?outcome=failed&error=50   "
              f"{bases['plivo']}/messages?country={FAILING_COUNTRY}&outcome=failed")
        if len(account) < 3:
            print(f"  ✗ expected 3 alert emails (outbound Plivo and Vonage, inbound Plivo), got "
                  f"{len(account)}")
        by_country = [s for s in countries if f" {FAILING_COUNTRY}, " in s]
        if len(by_country) < 2 or len(countries) != len(by_country):
            print(f"  ✗ expected 2 alert emails on {FAILING_COUNTRY} (Plivo and Vonage) and no "
                  f"other after country-degradation, got: {'; '.join(countries) or 'none'}")
        ok = (not problems and not failed_runs and len(account) >= 3
              and len(by_country) >= 2 and len(countries) == len(by_country))
        if args.once:
            print("Demo " + ("passed." if ok else f"FAILED: the app logs are in {workdir}"))
            if ok:
                keep_logs = False
            return 0 if ok else 1
        python = this_python()
        print("\nServing until Ctrl-C. Play more from another terminal, e.g.\n"
              f"  {python} -m {FakePlivo.module} failure --url {bases['plivo']}{FakePlivo.path}\n"
              f"  {python} -m {FakeVonage.module} campaign --messages 50 --url "
              f"{bases['vonage']}{FakeVonage.path}\n"
              f"  {python} -m {FakeVonage.module} lifecycle inbound --api messages --url "
              f"{bases['vonage']}{FakeVonageMessagesApi.path}\n")
        follow(logs, processes)
        print(f"An app stopped; see its log in {workdir}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print()
        keep_logs = False
        return 0
    finally:
        run.stop(processes)
        if not keep_logs:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
