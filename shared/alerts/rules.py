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


def outbound_alert(hour: Counts, previous_days: list[Counts]) -> OutboundVerdict | None:
    if hour.total < OUTBOUND_MINIMUM or hour.rate is None:
        return None
    usual = baseline(previous_days)
    if usual is None or usual[0] == 0:
        return None  # nothing to compare with; a usual rate of 0% cannot drop
    drop = relative_drop(hour.rate, usual[0])
    if drop < OUTBOUND_DROP:
        return None
    return OutboundVerdict(hour.rate, usual[0], drop, usual[1])


def inbound_alert(hour: Counts) -> InboundVerdict | None:
    if hour.total < INBOUND_MINIMUM:
        return None
    share = Fraction(hour.undelivered, hour.total)
    if share <= INBOUND_UNDELIVERED:
        return None
    return InboundVerdict(Fraction(hour.total - hour.undelivered, hour.total), share)
