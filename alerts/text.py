"""What an alert says: the one line `check` prints, and the email built from it."""

from datetime import datetime, timedelta
from fractions import Fraction
from typing import NamedTuple

from alerts import record
from alerts.queries import ErrorGroup
from alerts.rules import (
    BASELINE_DAY_MINIMUM,
    BASELINE_DAYS,
    COUNTRY_MINIMUM,
    INBOUND_MINIMUM,
    INBOUND_UNDELIVERED,
    OUTBOUND_DROP,
    OUTBOUND_MINIMUM,
    Counts,
    InboundFigures,
    InboundVerdict,
    OutboundFigures,
    OutboundVerdict,
)


class Alert(NamedTuple):
    provider: str
    direction: str  # outbound | inbound
    start: datetime
    end: datetime
    line: str  # "ALERT outbound plivo: delivery rate 70.0% in 12:00–13:00 vs …"
    details: str  # the lines an email adds below it
    country: str | None = None  # the destination country a per-country alert is about

    @property
    def key(self) -> str:
        """Its key among the alerts raised: "outbound", "inbound", "outbound:FR"."""
        return record.key(self.direction, self.country)

    @property
    def about(self) -> str:
        """"outbound plivo", "outbound plivo FR": what it is about."""
        return _name(self.direction, self.provider, self.country)

    @property
    def subject(self) -> str:
        return (f"SMS delivery alert: {self.about}, "
                f"{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} UTC")

    @property
    def body(self) -> str:
        return f"{self.line}\n\n{self.details}\n"


def percent(value: Fraction) -> str:
    return f"{float(value) * 100:.1f}%"


def window(start: datetime, end: datetime) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


def by_count(group: ErrorGroup):
    """Most frequent first, ties by code."""
    numeric = group.code is not None and group.code.isdigit()
    return -group.count, group.code is None, int(group.code) if numeric else 0, group.code or ""


def error_label(group: ErrorGroup) -> str:
    if group.code is None:
        return "no error code"
    if group.retryable is None:  # a code the table does not know: the text already names it
        return group.text or f"error {group.code}"
    return f"{group.code} {group.text}"


def error_groups(groups: list[ErrorGroup]) -> str:
    """"50 Invalid Destination Number ×39, …": most frequent first, ties by code."""
    return ", ".join(f"{error_label(g)} ×{g.count}" for g in sorted(groups, key=by_count))


def reason_groups(reasons: list[tuple[str | None, int]]) -> str:
    ordered = sorted(reasons, key=lambda r: (-r[1], r[0] is None, r[0] or ""))
    return ", ".join(f"{(note or 'no reason recorded').rstrip('.')} ×{count}"
                     for note, count in ordered)


def _messages(count: int) -> str:
    return f"{count} message{'' if count == 1 else 's'}"


def _name(direction: str, provider: str | None, country: str | None = None) -> str:
    """"outbound plivo", "outbound plivo FR": what a line or an email is about."""
    return " ".join(filter(None, [direction, provider, country]))


def outbound_status(provider: str | None, figures: OutboundFigures,
                    country: str | None = None) -> str:
    """The line `check` prints for outbound every time (for a destination country, every time
    it has the messages to be judged): the figures, and the verdict or why there is none.
    "ALERT" only when the rule fires."""
    hour, name = figures.hour, _name("outbound", provider, country)
    if figures.not_judged == "too_few":
        minimum = COUNTRY_MINIMUM if country else OUTBOUND_MINIMUM
        return (f"{name}: {_messages(hour.total)}, fewer than the {minimum} the rule "
                "needs, not evaluated")
    if figures.not_judged == "none_final":
        return f"{name}: {_messages(hour.total)}, none with a final outcome yet, not evaluated"
    if figures.not_judged == "no_baseline":
        return (f"{name}: {percent(hour.rate)} delivered of {_messages(hour.total)}, no previous "
                f"day with {BASELINE_DAY_MINIMUM} final outcomes to compare with, not evaluated")
    if figures.not_judged == "zero_baseline":
        return (f"{name}: {percent(hour.rate)} delivered of {_messages(hour.total)}, the usual "
                "rate is 0.0% and cannot drop, not evaluated")
    compared = (f"{name}: {percent(hour.rate)} vs {percent(figures.baseline)} "
                f"{figures.days}-day average")
    if figures.fired:
        return f"{compared}, {percent(figures.drop)} drop, {_messages(hour.total)}: ALERT"
    drop = (f"{percent(figures.drop)} drop (alerts at {percent(OUTBOUND_DROP)})"
            if figures.drop > 0 else "no drop")
    return f"{compared}, {drop}, {_messages(hour.total)}, ok"


def inbound_status(provider: str | None, figures: InboundFigures) -> str:
    hour, name = figures.hour, _name("inbound", provider)
    if figures.not_judged == "too_few":
        return (f"{name}: {_messages(hour.total)}, fewer than the {INBOUND_MINIMUM} the rule "
                "needs, not evaluated")
    delivered = f"{name}: {_messages(hour.total)}, {percent(figures.rate)} delivered"
    if figures.fired:
        return (f"{delivered}, {percent(figures.undelivered_share)} undelivered (more than "
                f"{percent(INBOUND_UNDELIVERED)}): ALERT")
    return f"{delivered}, ok"


def _evaluated(start: datetime, end: datetime) -> str:
    return f"Window: {start:%Y-%m-%d %H:%M}–{end:%H:%M} UTC (the hour before the evaluation)."


def outbound(provider: str, start: datetime, end: datetime, verdict: OutboundVerdict,
             hour: Counts, previous_days: list[Counts],
             codes: list[ErrorGroup], country: str | None = None) -> Alert:
    """The account-wide alert, or with `country` the alert on that destination country (its
    messages alone, against its own days)."""
    days = ("the previous 7 days" if verdict.days == BASELINE_DAYS
            else f"{verdict.days} of the previous {BASELINE_DAYS} days")
    sent = f"{hour.total} sent" + (f" to {country}" if country else "")
    line = (f"ALERT {_name('outbound', provider, country)}: delivery rate "
            f"{percent(verdict.rate)} in {window(start, end)} vs {percent(verdict.baseline)} over "
            f"{days} ({percent(verdict.drop)} drop); {sent}, {hour.undelivered} undelivered: "
            f"{error_groups(codes)}")
    history = []
    for back, day in enumerate(previous_days, start=1):
        date = (start - timedelta(days=back)).date()
        if day.final >= BASELINE_DAY_MINIMUM:
            history.append(f"  {date}: {percent(day.rate)} of {day.final} final outcomes")
        else:
            history.append(f"  {date}: not counted ({day.final} final outcomes, fewer than "
                           f"{BASELINE_DAY_MINIMUM})")
    if country:
        rule = (f"Rule, per destination country: an hour of {COUNTRY_MINIMUM} or more messages "
                f"to it alerts on a drop of {percent(OUTBOUND_DROP)} or more against its own "
                "average of those days (the account-wide rule is judged apart; "
                "ALERT_PER_COUNTRY=false turns this one off).")
    else:
        rule = (f"Rule: a drop of {percent(OUTBOUND_DROP)} or more against the average of those "
                "days.")
    details = "\n".join([
        _evaluated(start, end),
        f"{hour.total} outbound messages sent{' to ' + country if country else ''} in the window, "
        f"{hour.final} with a final outcome: {hour.delivered} delivered, "
        f"{hour.undelivered} undelivered.",
        "The same window on the previous days:", *history, rule,
    ])
    return Alert(provider, "outbound", start, end, line, details, country)


def inbound(provider: str, start: datetime, end: datetime, verdict: InboundVerdict,
            hour: Counts, reasons: list[tuple[str | None, int]]) -> Alert:
    line = (f"ALERT inbound {provider}: delivery rate {percent(verdict.rate)} in "
            f"{window(start, end)}, {percent(verdict.undelivered_share)} undelivered "
            f"(more than {percent(INBOUND_UNDELIVERED)}); {hour.total} received, "
            f"{hour.undelivered} undelivered: {reason_groups(reasons)}")
    details = "\n".join([
        _evaluated(start, end),
        "Undelivered: inbound messages this app received but could not accept (the reason is "
        "kept with the message). The provider counts them undelivered too and retries them.",
    ])
    return Alert(provider, "inbound", start, end, line, details)
