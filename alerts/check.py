"""One evaluation of the rules as of a moment: read the windows, decide, raise each alert once.

Seed 001's account-wide rules, then the per-country outbound rule (off with
ALERT_PER_COUNTRY=false). An alert is recorded before it is printed or emailed, so a crash or an
SMTP failure afterwards never repeats it, and a second process evaluating the same hour finds it
already raised.
"""

import smtplib
import sys
from datetime import datetime, timedelta
from typing import NamedTuple

from alerts import mail, queries, record, rules, text
from alerts.rules import BASELINE_DAYS, COUNTRY_MINIMUM, Counts
from alerts.text import Alert
from shared import TRUE_WORDS, env
from shared.report import utcnow
from shared.store import Store

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def per_country_enabled() -> bool:
    """ALERT_PER_COUNTRY: on unless set to false (or 0, no, off)."""
    return (env("ALERT_PER_COUNTRY") or "true").lower() in TRUE_WORDS


class Status(NamedTuple):
    """One direction of one provider (or one destination country) in the hour: the rule's
    figures and the line `check` prints for it."""

    provider: str  # "" when the hour holds no message at all
    direction: str
    figures: rules.OutboundFigures | rules.InboundFigures
    line: str
    country: str | None = None

    @property
    def key(self) -> str:
        return record.key(self.direction, self.country)


class Assessment(NamedTuple):
    statuses: list[Status]  # account-wide: one per direction (and provider), fired or not
    alerts: list[Alert]
    countries: list[Status]  # one per destination country with the messages to be judged


def assess(conn, now: datetime, provider: str | None = None,
           per_country: bool = True) -> Assessment:
    """The rules over [now - 1 hour, now): each direction's figures (and each destination
    country's), and the alerts they call for, raised before or not."""
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
    countries = _by_country(conn, start, end, provider, found) if per_country else []
    return Assessment(statuses, found, countries)


def _by_country(conn, start: datetime, end: datetime, provider: str | None,
                found: list[Alert]) -> list[Status]:
    """The per-country rule: each destination country with COUNTRY_MINIMUM messages in the
    hour, against its own same hour on the previous days; its alerts join `found`."""
    hour = {key: counts for key, counts in queries.country_counts(conn, start, end,
                                                                   provider).items()
            if key[1] is not None and counts.total >= COUNTRY_MINIMUM}
    if not hour:
        return []
    previous = [queries.country_counts(conn, start - back * DAY, end - back * DAY, provider)
                for back in range(1, BASELINE_DAYS + 1)]
    statuses = []
    for (name, country), counts in sorted(hour.items()):
        days = [day.get((name, country), Counts()) for day in previous]
        figures = rules.outbound_figures(counts, days, COUNTRY_MINIMUM)
        statuses.append(Status(name, "outbound", figures,
                               text.outbound_status(name, figures, country), country))
        if figures.fired:
            verdict = rules.outbound_alert(counts, days, COUNTRY_MINIMUM)
            codes = queries.undelivered_by_code(conn, name, start, end, country)
            found.append(text.outbound(name, start, end, verdict, counts, days, codes, country))
    return statuses


def evaluate(conn, now: datetime, provider: str | None = None,
             per_country: bool = True) -> list[Alert]:
    """The alerts the rules call for over [now - 1 hour, now), raised before or not."""
    return assess(conn, now, provider, per_country).alerts


def check(store: Store, now: datetime, provider: str | None = None,
          mail_settings: mail.MailSettings | None = None,
          per_country: bool | None = None) -> list[Alert]:
    """Evaluate, print one line per direction (then one per destination country judged), then
    raise each alert not yet raised this hour: record, print (on stderr), email. The
    per-country rule runs as ALERT_PER_COUNTRY says, unless `per_country` says otherwise.

    Returns the alerts this call raised. Raises StorageUnavailable when the database does not
    answer.
    """
    store.ensure_tables()
    with store.errors():
        record.ensure_table(store.engine)
        with store.engine.connect() as conn:
            if per_country is None:
                per_country = per_country_enabled()
            assessment = assess(conn, now, provider, per_country)
        raised = []
        for alert in assessment.alerts:
            with store.engine.begin() as conn:
                if record.claim(conn, alert.provider, alert.key, now, alert.line):
                    raised.append(alert)
        new = {(a.provider, a.key) for a in raised}
        for status in assessment.statuses + assessment.countries:
            again = status.figures.fired and (status.provider, status.key) not in new
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
        print(f"could not email the {alert.about} alert to "
              f"{', '.join(mail_settings.recipients)} via {mail_settings.host}:"
              f"{mail_settings.port}: {error} (the alert stays recorded)", file=sys.stderr)
        sent_at = None
    else:
        error, sent_at = None, utcnow()
    with store.engine.begin() as conn:
        record.note_email(conn, alert.provider, alert.key, now, sent_at, error)
