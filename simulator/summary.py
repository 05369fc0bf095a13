"""The table printed after a run: what was sent, how the receiver answered, how fast."""

import math
from collections import Counter
from dataclasses import dataclass, field

from simulator.delivery import Attempt, Delivery
from simulator.model import SimulatedMessage


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p % of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Summary:
    reports: int = 0
    sent: int = 0  # requests, retries included
    answered_2xx: int = 0
    refused: Counter = field(default_factory=Counter)  # HTTP status -> requests
    no_answer: int = 0
    retried: int = 0  # requests that were retries
    given_up: int = 0  # reports never acknowledged
    latencies: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, deliveries: list[Delivery]) -> "Summary":
        summary = cls(reports=len(deliveries))
        for delivery in deliveries:
            summary.given_up += not delivery.acknowledged and not delivery.step.refusal_expected
            for attempt in delivery.attempts:
                summary.add(attempt)
        return summary

    def add(self, attempt: Attempt) -> None:
        self.sent += 1
        self.retried += attempt.number > 0
        if attempt.latency is not None:
            self.latencies.append(attempt.latency)
        if attempt.status is None:
            self.no_answer += 1
        elif attempt.acknowledged:
            self.answered_2xx += 1
        else:
            self.refused[attempt.status] += 1

    def latency_line(self) -> str:
        figures = [(p, percentile(self.latencies, p)) for p in (50, 95, 99)]
        if figures[0][1] is None:
            return "no answers"
        return "   ".join(f"p{p} {value * 1000:.1f} ms" for p, value in figures)

    def refused_text(self, gap: str = "   ") -> str:
        total = sum(self.refused.values())
        if not total:
            return "0"
        codes = ", ".join(f"{status} ×{n}" for status, n in sorted(self.refused.items()))
        return f"{total}{gap}({codes})"

    def table(self) -> str:
        rows = [
            ("reports", f"{self.reports}"),
            ("sent", f"{self.sent}   requests, retries included"),
            ("answered 2xx", f"{self.answered_2xx}"),
            ("refused", self.refused_text()),
            ("no answer", f"{self.no_answer}"),
            ("retried", f"{self.retried}"),
            ("given up", f"{self.given_up}"),
            ("receiver latency", self.latency_line()),
        ]
        return "\n".join(f"  {name:<17} {value}" for name, value in rows)

    def one_line(self) -> str:
        line = f"{self.reports} report{'s' * (self.reports != 1)}, {self.answered_2xx} answered 2xx"
        if self.refused:
            line += f", refused {self.refused_text(' ')}"
        if self.no_answer:
            line += f", {self.no_answer} no answer"
        if self.retried:
            line += f", {self.retried} retried"
        if self.given_up:
            line += f", {self.given_up} GIVEN UP"
        if self.latencies:
            line += f" · p50 {percentile(self.latencies, 50) * 1000:.1f} ms"
        return line


def outcomes(played: list[SimulatedMessage]) -> str:
    """What the messages were made to do: "180 delivered · 12 undelivered (50 ×7, 80 ×5)"."""
    finals = Counter(m.plan.final_status for m in played)
    codes: dict[str, Counter] = {}
    for message in played:
        if message.plan.error_code:
            codes.setdefault(message.plan.final_status, Counter())[message.plan.error_code] += 1
    parts = []
    for status, count in finals.most_common():
        text = f"{count} {status}"
        if status in codes:
            text += " (" + ", ".join(f"{c} ×{n}" for c, n in codes[status].most_common()) + ")"
        parts.append(text)
    return " · ".join(parts)
