"""`python -m alerts check [--now ISO] [--provider plivo|vonage]` and `… watch`.

`check` evaluates once and is meant for cron (`*/15 * * * *`); `watch` runs it at every quarter
hour until stopped. Each run prints one line per direction (and provider) with the figures and
the verdict ("…: ALERT", "…, ok", "…, not evaluated"), then one per destination country with
the messages to be judged (unless ALERT_PER_COUNTRY=false); each alert it raised goes to
standard error, one per line starting with "ALERT", and by email. The exit status is 0 unless
the check could not run (the database did not answer: 1).
"""

import argparse
import sys
import time
from datetime import datetime, timedelta

from alerts import mail
from alerts.check import check
from shared import database_url
from shared.outages import StorageUnavailable
from shared.report import as_naive_utc, utcnow
from shared.store import Store

QUARTER = timedelta(minutes=15)


def moment(value: str) -> datetime:
    """An ISO time as naive UTC; without an offset it is taken as UTC already."""
    return as_naive_utc(datetime.fromisoformat(value))


def next_quarter(now: datetime) -> datetime:
    """The next :00, :15, :30 or :45 strictly after now."""
    return now.replace(minute=now.minute // 15 * 15, second=0, microsecond=0) + QUARTER


def _run_once(store: Store, now: datetime, provider: str | None) -> int:
    try:
        check(store, now, provider, mail.settings())
    except StorageUnavailable as problem:
        print(f"could not check delivery rates: the database did not answer ({problem})",
              file=sys.stderr)
        return 1
    return 0


def watch(store: Store, provider: str | None) -> int:
    """Evaluate at each quarter hour, as of that quarter hour, so windows read 12:00–13:00."""
    print("checking delivery rates at every quarter hour (UTC); Ctrl-C stops", file=sys.stderr)
    try:
        while True:
            due = next_quarter(utcnow())
            time.sleep(max(0.0, (due - utcnow()).total_seconds()))
            _run_once(store, due, provider)  # a database outage is reported, then retried
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alerts",
                                     description="Seed 001's delivery-rate alerts, and the "
                                                 "per-country one.")
    commands = parser.add_subparsers(dest="command", required=True)
    once = commands.add_parser("check", help="evaluate the last hour once (for cron)")
    once.add_argument("--now", type=moment, help="evaluate as of this time (default: now), "
                      "e.g. 2026-01-10T13:00:00Z")
    loop = commands.add_parser("watch", help="evaluate at every quarter hour until stopped")
    for command in (once, loop):
        command.add_argument("--provider", choices=("plivo", "vonage"),
                             help="only this provider's messages (default: both)")
    args = parser.parse_args(argv)
    store = Store(database_url())
    if args.command == "watch":
        return watch(store, args.provider)
    return _run_once(store, args.now or utcnow(), args.provider)


if __name__ == "__main__":
    sys.exit(main())
