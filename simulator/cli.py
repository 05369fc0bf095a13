"""The command line of both fake providers: `python -m plivo_app.simulate lifecycle` etc.

Exit status: 0 when every report was finally acknowledged (2xx), 1 when one was given up or
nothing answers at the URL, 2 for a usage error or a missing signing secret.
"""

import argparse
import json
import random
import socket
import sys
import threading
from datetime import UTC, datetime
from urllib.parse import urlsplit

from shared import env
from shared.report import short_id
from simulator.delivery import Attempt, Deliverer, Delivery
from simulator.model import FakeProvider
from simulator.progress import ProgressBar, WaitNotice
from simulator.scenarios import (
    REPLAY_TIME_SCALE,
    REPLAYS,
    SCENARIOS,
    build,
    expectations,
    time_scale,
)
from simulator.summary import Summary, outcomes


def default_url(provider: FakeProvider) -> str:
    port = env(provider.port_variable, provider.default_port)
    return f"http://127.0.0.1:{port}{provider.path}"


def parse_args(provider: FakeProvider, argv, parents=()):
    """`parents`: a provider's own options (argparse parent parsers), shown in --help too."""
    scenarios = "\n".join(f"  {name:<19} {SCENARIOS[name]}" for name in provider.scenarios)
    parser = argparse.ArgumentParser(
        prog=f"python -m {provider.module}",
        description=f"A fake {provider.title}: posts realistic, signed callbacks to your app, "
                    f"retrying them as {provider.title} does.\n\nscenarios:\n{scenarios}",
        epilog="exit status: 0 when every report was acknowledged (2xx), 1 when one was given up\n"
               "or nothing answers at --url, 2 for a usage error. More: docs/simulator.md",
        formatter_class=argparse.RawDescriptionHelpFormatter, parents=list(parents))
    parser.add_argument("scenario", nargs="+", choices=provider.scenarios, metavar="scenario",
                        help="one or more of: " + ", ".join(provider.scenarios))
    parser.add_argument("--url", default=default_url(provider),
                        help="where to post (default %(default)s); also the URL that is signed")
    parser.add_argument("--time-scale", type=float, metavar="X",
                        help=f"multiply every {provider.title} wait by X: 0.01 turns "
                             f"{provider.retry.gaps[0]:g} s into {provider.retry.gaps[0] / 100:g} s"
                             f" (default 1, real time; {REPLAY_TIME_SCALE:g} for "
                             f"{' and '.join(REPLAYS)}, whose history lies in the past)")
    parser.add_argument("--messages", type=int, default=100, metavar="N",
                        help="campaign: how many messages (default 100)")
    parser.add_argument("--delivery-rate", type=float, default=0.9, metavar="R",
                        help="campaign: share of messages delivered, 0 to 1 (default 0.9)")
    parser.add_argument("--concurrency", type=int, metavar="C",
                        help="requests in flight at once (default: 10 for a campaign, else 1, "
                             "so a single message's reports go out in order)")
    parser.add_argument("--seed", type=int, help="replay the same messages and outcomes")
    parser.add_argument("--parts", type=int, default=3, help="multipart: how many (default 3)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help=f"how long to wait for an answer (default {provider.retry.timeout:g}"
                             " s times the time scale, at least 2 s)")
    parser.add_argument("--http-method", choices=provider.http_methods,
                        default=provider.http_methods[0],
                        help="how the callback is sent (default %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="print the summary only")
    # Internal (make demo): append each message id and the state it must end in, as JSON lines.
    parser.add_argument("--expect-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    url = urlsplit(args.url)
    if url.scheme not in ("http", "https") or not url.hostname:
        parser.error(f"--url must be an http:// or https:// URL, not {args.url!r}")
    if not 0 <= args.delivery_rate <= 1:
        parser.error("--delivery-rate must be between 0 and 1")
    scale = 1 if args.time_scale is None else args.time_scale  # None: the scenario's own
    if min(scale, args.messages, args.parts, args.concurrency or 1) <= 0:
        parser.error("--time-scale, --messages, --parts and --concurrency must be positive")
    return args


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=3):
            return True
    except OSError:
        return False


class AttemptPrinter:
    """One line per request, with the app's answer beside it, like `stripe trigger`."""

    def __init__(self, provider: FakeProvider, time_scale: float, quiet: bool, stream=None):
        self.provider, self.time_scale, self.quiet, self.stream = (
            provider, time_scale, quiet, stream)
        self._lock = threading.Lock()

    def __call__(self, delivery: Delivery, attempt: Attempt) -> None:
        if self.quiet:
            return
        step = delivery.step
        what = step.status + (f" ({step.label})" if step.label else "")
        if step.error_code:
            text, retryable = self.provider.codes.explain(step.error_code)
            kind = {True: ", temporary", False: ", permanent", None: ""}[retryable]
            what += f" {step.error_code} {text}{kind}"
        if attempt.number:
            what += f" · retry {attempt.number}"
        answer = "" if attempt.status is None else f"{attempt.status} "
        started = f"+{attempt.started:.2f}s"
        line = (f"  {started:>8}  {short_id(step.message_id):<11} {what:<24}"
                f"  ← {answer}{attempt.answer}")
        if attempt.latency is not None:
            line += f"  ({attempt.latency * 1000:.1f} ms)"
        if not attempt.acknowledged:
            gaps = self.provider.retry.gaps
            if not self.provider.retry.retries(attempt.status):
                line += (f"\n      {self.provider.title} does not retry a {attempt.status}: "
                         "gives up on this report")
            elif delivery.given_up:
                line += f"\n      {self.provider.title} gives up on this report"
            elif attempt.number < len(gaps):
                gap = gaps[attempt.number]
                line += (f"\n      {self.provider.title} retries in {gap:g} s"
                         + (f" ({gap * self.time_scale:g} s at this time scale)"
                            if self.time_scale != 1 else ""))
        with self._lock:
            print(line, file=self.stream, flush=True)


class CampaignProgress:
    """Counts finished reports, and those waiting for their next attempt."""

    def __init__(self, bar: ProgressBar):
        self.bar, self.retrying = bar, 0
        self._lock = threading.Lock()

    def __call__(self, delivery: Delivery, attempt: Attempt) -> None:
        with self._lock:
            self.retrying -= attempt.number > 0
            self.retrying += not attempt.acknowledged and not delivery.given_up
            retrying = self.retrying
        self.bar.update(finished=attempt.acknowledged or delivery.given_up, retrying=retrying)


def write_expectations(path: str, provider: FakeProvider, played) -> None:
    with open(path, "a", encoding="utf-8") as out:
        for message_id, expected in expectations(provider, played).items():
            out.write(json.dumps({"provider": provider.name, "message_id": message_id,
                                  "state": expected.state, "events": expected.events}) + "\n")


def scale_note(provider: FakeProvider, scenario: str, args, scale: float) -> str:
    """What the header says of the pace, when it is not real time."""
    if scale == 1:
        return ""
    if scenario in REPLAYS and args.time_scale is None:
        return (f" · time scale {scale:g}: its history lies in the past (--time-scale 1 waits "
                f"as {provider.title} does)")
    return f" · time scale {scale:g}"


def play(provider: FakeProvider, args, scenario: str, rng: random.Random) -> Summary:
    scale = time_scale(scenario, args.time_scale)
    played = build(scenario, provider, rng, datetime.now(UTC), scale,
                   parts=args.parts, messages=args.messages, delivery_rate=args.delivery_rate)
    total = sum(len(m.steps) for m in played)
    campaign = scenario == "campaign" or scenario in REPLAYS  # many messages: a progress bar
    concurrency = args.concurrency or (10 if campaign else 1)
    if not args.quiet or campaign:
        print(f"Fake {provider.title} → {args.http_method} {provider.target(args.url)} · "
              f"{scenario} · {len(played)} message{'s' * (len(played) != 1)}, "
              f"{total} report{'s' * (total != 1)}"
              + scale_note(provider, scenario, args, scale), flush=True)
    if campaign:
        bar = ProgressBar(total, scenario)
        on_attempt = CampaignProgress(bar)
    else:
        bar, on_attempt = None, AttemptPrinter(provider, scale, args.quiet)
    deliverer = Deliverer(provider, args.url, time_scale=scale,
                          concurrency=concurrency, timeout=args.timeout,
                          http_method=args.http_method, on_attempt=on_attempt,
                          on_wait=None if campaign or args.quiet
                          else WaitNotice(provider.title, scale))
    deliveries = deliverer.run(played)
    if bar:
        bar.close()
    summary = Summary.of(deliveries)
    if campaign:
        print(f"  outcomes          {outcomes(played)}")
        print(summary.table())
    else:
        print(f"  {scenario + ':':<14}{summary.one_line()}" if args.quiet
              else f"  {summary.one_line()}", flush=True)
    if args.expect_file:
        write_expectations(args.expect_file, provider, played)
    if scenario in REPLAYS and not args.quiet:
        print("  now see it alert: python -m alerts check   (and /pictures on the app)")
    return summary


def main(provider: FakeProvider, argv=None, parents=()) -> int:
    args = parse_args(provider, argv, parents)
    provider.check_credentials()
    if not reachable(args.url):
        print(f"Nothing answers at {args.url}: start the app first (python -m "
              f"{provider.module.split('.')[0]}) or pass --url.", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    given_up = sum(play(provider, args, scenario, rng).given_up for scenario in args.scenario)
    if given_up:
        print(f"{given_up} report{'s were' if given_up > 1 else ' was'} given up: "
              "the app never answered 2xx.", file=sys.stderr)
    return 1 if given_up else 0
