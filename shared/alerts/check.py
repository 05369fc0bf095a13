"""One evaluation of the rules as of a moment: read the windows, decide, raise each alert once.

An alert is recorded before it is printed or emailed, so a crash or an SMTP failure afterwards
never repeats it, and a second process evaluating the same hour finds it already raised.
"""

import smtplib
import sys
from datetime import datetime, timedelta

from shared.alerts import mail, queries, record, rules, text
from shared.alerts.rules import BASELINE_DAYS, Counts
from shared.alerts.text import Alert
from shared.report import utcnow
from shared.store import Store

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def evaluate(conn, now: datetime, provider: str | None = None) -> list[Alert]:
    """The alerts the rules call for over [now - 1 hour, now), raised before or not."""
    start, end = now - HOUR, now
    found = []
    hour = queries.window_counts(conn, "outbound", start, end, provider)
    previous = [queries.window_counts(conn, "outbound", start - back * DAY, end - back * DAY,
                                      provider)
                for back in range(1, BASELINE_DAYS + 1)]
    for name in sorted(hour):
        days = [day.get(name, Counts()) for day in previous]
        if verdict := rules.outbound_alert(hour[name], days):
            codes = queries.undelivered_by_code(conn, name, start, end)
            found.append(text.outbound(name, start, end, verdict, hour[name], days, codes))
    inbound = queries.window_counts(conn, "inbound", start, end, provider)
    for name in sorted(inbound):
        if verdict := rules.inbound_alert(inbound[name]):
            reasons = queries.refusal_reasons(conn, name, start, end)
            found.append(text.inbound(name, start, end, verdict, inbound[name], reasons))
    return found


def check(store: Store, now: datetime, provider: str | None = None,
          mail_settings: mail.MailSettings | None = None) -> list[Alert]:
    """Evaluate, then raise each alert not yet raised this hour: record, print, email.

    Returns the alerts this call raised. Raises StorageUnavailable when the database does not
    answer.
    """
    store.ensure_tables()
    with store.errors():
        with store.engine.connect() as conn:
            found = evaluate(conn, now, provider)
        raised = []
        for alert in found:
            with store.engine.begin() as conn:
                if not record.claim(conn, alert.provider, alert.direction, now, alert.line):
                    continue  # already raised this hour, by this or another process
            print(alert.line, flush=True)
            raised.append(alert)
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
