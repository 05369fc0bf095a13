"""One evaluation of the rules as of a moment: read the windows, decide, raise each alert once.

An alert is recorded before it is printed or emailed, so a crash or an SMTP failure afterwards
never repeats it, and a second process evaluating the same hour finds it already raised.
"""

import smtplib
import sys
from datetime import datetime, timedelta
from typing import NamedTuple

from alerts import mail, queries, record, rules, text
from alerts.rules import BASELINE_DAYS, Counts
from alerts.text import Alert
from shared.report import utcnow
from shared.store import Store

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class Status(NamedTuple):
    """One direction of one provider in the hour: the rule's figures and the line `check`
    prints for it."""

    provider: str  # "" when the hour holds no message at all
    direction: str
    figures: rules.OutboundFigures | rules.InboundFigures
    line: str


class Assessment(NamedTuple):
    statuses: list[Status]  # one per direction (and provider), fired or not
    alerts: list[Alert]


def assess(conn, now: datetime, provider: str | None = None) -> Assessment:
    """The rules over [now - 1 hour, now): each direction's figures, and the alerts they call
    for, raised before or not."""
    start, end = now - HOUR, now
    statuses, found = [], []
    hour = queries.window_counts(conn, "outbound", start, end, provider)
    previous = [queries.window_counts(conn, "outbound", start - back * DAY, end - back * DAY,
                                      provider)
                for back in range(1, BASELINE_DAYS + 1)]
    inbound = queries.window_counts(conn, "inbound", start, end, provider)
    # Every provider with messages in the hour; none at all still gets its lines.
    names = [provider] if provider else sorted({*hour, *inbound}) or [None]
    for name in names:
        days = [day.get(name, Counts()) for day in previous]
        figures = rules.outbound_figures(hour.get(name, Counts()), days)
        statuses.append(Status(name or "", "outbound", figures,
                               text.outbound_status(name, figures)))
        if verdict := rules.outbound_alert(figures.hour, days):
            codes = queries.undelivered_by_code(conn, name, start, end)
            found.append(text.outbound(name, start, end, verdict, figures.hour, days, codes))
    for name in names:
        figures = rules.inbound_figures(inbound.get(name, Counts()))
        statuses.append(Status(name or "", "inbound", figures,
                               text.inbound_status(name, figures)))
        if verdict := rules.inbound_alert(figures.hour):
            reasons = queries.refusal_reasons(conn, name, start, end)
            found.append(text.inbound(name, start, end, verdict, figures.hour, reasons))
    return Assessment(statuses, found)


def evaluate(conn, now: datetime, provider: str | None = None) -> list[Alert]:
    """The alerts the rules call for over [now - 1 hour, now), raised before or not."""
    return assess(conn, now, provider).alerts


def check(store: Store, now: datetime, provider: str | None = None,
          mail_settings: mail.MailSettings | None = None) -> list[Alert]:
    """Evaluate, print one line per direction, then raise each alert not yet raised this
    hour: record, print (on stderr), email.

    Returns the alerts this call raised. Raises StorageUnavailable when the database does not
    answer.
    """
    store.ensure_tables()
    with store.errors():
        record.ensure_table(store.engine)
        with store.engine.connect() as conn:
            assessment = assess(conn, now, provider)
        raised = []
        for alert in assessment.alerts:
            with store.engine.begin() as conn:
                if record.claim(conn, alert.provider, alert.direction, now, alert.line):
                    raised.append(alert)
        new = {(a.provider, a.direction) for a in raised}
        for status in assessment.statuses:
            again = status.figures.fired and (status.provider, status.direction) not in new
            print(status.line + (" (already raised this hour)" if again else ""), flush=True)
        for alert in raised:
            # On stderr: standard output stays one line per direction, for people and scripts;
            # the alert itself is a notice (cron mails what a job writes), like its email.
            print(alert.line, file=sys.stderr, flush=True)
            if mail_settings:
                _email(store, alert, now, mail_settings)
    return raised


def _email(store: Store, alert: Alert, now: datetime, mail_settings: mail.MailSettings) -> None:
    try:
        mail.send(alert, mail_settings)
    except (smtplib.SMTPException, OSError) as problem:
        error = f"{type(problem).__name__}: {problem}"
        print(f"could not email the {alert.direction} {alert.provider} alert to "
              f"{', '.join(mail_settings.recipients)} via {mail_settings.host}:"
              f"{mail_settings.port}: {error} (the alert stays recorded)", file=sys.stderr)
        sent_at = None
    else:
        error, sent_at = None, utcnow()
    with store.engine.begin() as conn:
        record.note_email(conn, alert.provider, alert.direction, now, sent_at, error)
