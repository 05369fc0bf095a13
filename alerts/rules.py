"""Seed 001's alert rules as small functions over counts: no database, no clock.

Rates are exact fractions, so a drop of exactly 25% or a share of exactly 5% lands on the
documented side of the line instead of wherever floating point rounding puts it.
"""

from fractions import Fraction
from typing import NamedTuple

# Plivo's Delivery Alerts FAQ.
OUTBOUND_MINIMUM = 250  # outbound messages in the hour for the hour to be judged at all
OUTBOUND_DROP = Fraction(25, 100)  # relative drop that raises an alert (25% or more)
INBOUND_MINIMUM = 10  # inbound messages in the hour for the hour to be judged at all
INBOUND_UNDELIVERED = Fraction(5, 100)  # share of undelivered inbound that raises (more than)
BASELINE_DAYS = 7  # the same hour-window on each of the previous 7 days
# Plivo's newer rule, per destination country (its support article "Delivery Alerts"): the
# same drop against the same baseline, judged when the country had this many messages.
COUNTRY_MINIMUM = 100
# Ours, not the seed's: a previous day's hour-window joins the average only with at least this
# many final outcomes. One message makes a day's rate 0% or 100% and would drag a 7-day average
# by up to 14 points; at 25 a day's rate is within about 4 points (one standard error at 95%),
# small beside a 25% drop, while a quiet account still gets a baseline.
BASELINE_DAY_MINIMUM = 25


class Counts(NamedTuple):
    """One provider's messages in one hour-window, one direction."""

    total: int = 0  # every message placed in the window, pending ones included
    delivered: int = 0
    undelivered: int = 0  # final and not delivered: failed, and (outbound) unknown

    @property
    def final(self) -> int:
        return self.delivered + self.undelivered

    @property
    def rate(self) -> Fraction | None:
        """delivered / final outcomes; None when nothing in the window is final yet."""
        return Fraction(self.delivered, self.final) if self.final else None


class OutboundVerdict(NamedTuple):
    rate: Fraction
    baseline: Fraction
    drop: Fraction
    days: int  # how many previous days made the baseline


class InboundVerdict(NamedTuple):
    rate: Fraction
    undelivered_share: Fraction


def baseline(previous_days: list[Counts]) -> tuple[Fraction, int] | None:
    """The plain average of the previous days' rates (each day one data point, as the seed
    averages them), over the days with enough final outcomes; None when no day qualifies."""
    rates = [day.rate for day in previous_days if day.final >= BASELINE_DAY_MINIMUM]
    if not rates:
        return None
    return sum(rates, Fraction(0)) / len(rates), len(rates)


def relative_drop(rate: Fraction, usual: Fraction) -> Fraction:
    """(usual - rate) / usual: 70% against 95% is a 26.3% drop."""
    return (usual - rate) / usual


class OutboundFigures(NamedTuple):
    """What the outbound rule sees in one hour: the figures, and why it did not judge it."""

    hour: Counts
    baseline: Fraction | None  # the previous days' average rate
    days: int  # how many previous days made it
    drop: Fraction | None  # relative drop of the hour's rate against the baseline
    not_judged: str | None  # too_few | none_final | no_baseline | zero_baseline

    @property
    def fired(self) -> bool:
        return self.not_judged is None and self.drop >= OUTBOUND_DROP


def outbound_figures(hour: Counts, previous_days: list[Counts],
                     minimum: int = OUTBOUND_MINIMUM) -> OutboundFigures:
    """`minimum`: the messages the hour needs to be judged (COUNTRY_MINIMUM for a country)."""
    usual = baseline(previous_days)
    average, days = usual if usual else (None, 0)
    drop = relative_drop(hour.rate, average) if hour.rate is not None and average else None
    if hour.total < minimum:
        why = "too_few"
    elif hour.rate is None:
        why = "none_final"
    elif average is None:
        why = "no_baseline"  # nothing to compare with
    elif average == 0:
        why = "zero_baseline"  # a usual rate of 0% cannot drop
    else:
        why = None
    return OutboundFigures(hour, average, days, drop, why)


def outbound_alert(hour: Counts, previous_days: list[Counts],
                   minimum: int = OUTBOUND_MINIMUM) -> OutboundVerdict | None:
    figures = outbound_figures(hour, previous_days, minimum)
    if not figures.fired:
        return None
    return OutboundVerdict(hour.rate, figures.baseline, figures.drop, figures.days)


class InboundFigures(NamedTuple):
    hour: Counts
    undelivered_share: Fraction | None
    not_judged: str | None  # too_few

    @property
    def fired(self) -> bool:
        return self.not_judged is None and self.undelivered_share > INBOUND_UNDELIVERED

    @property
    def rate(self) -> Fraction | None:
        share = self.undelivered_share
        return None if share is None else 1 - share


def inbound_figures(hour: Counts) -> InboundFigures:
    share = Fraction(hour.undelivered, hour.total) if hour.total else None
    return InboundFigures(hour, share, "too_few" if hour.total < INBOUND_MINIMUM else None)


def inbound_alert(hour: Counts) -> InboundVerdict | None:
    figures = inbound_figures(hour)
    if not figures.fired:
        return None
    return InboundVerdict(figures.rate, figures.undelivered_share)
