"""/metrics in Prometheus's text format, with prometheus_client.

Counted as reports arrive, from the receiver's signals (shared.receiver):
- sms_reports_received_total{provider, status, error_code, country}: reports stored, `status`
  the normalized state (queued, sent, delivered, undelivered…), `country` the handset's ISO
  3166-1 alpha-2 code or "unknown", duplicates included;
- sms_reports_refused_total{provider, reason}: answers that were not 2xx, reason `signature`
  (401, 403), `bad_input` (any other 4xx), `storage` (503, the provider retries) or `unsigned`
  (503 to an unsigned Vonage Messages API webhook, which Vonage sends again signed);
- sms_storage_seconds{provider}: how long storing a report took.

Computed when scraped, by the alert rules themselves (alerts.check.assess), over the last
full clock hour (the one `watch` judged at :00): sms_delivery_messages, sms_delivery_rate,
sms_delivery_baseline_rate, sms_delivery_drop_ratio and sms_delivery_alert_firing, by provider
and direction.

Under gunicorn each worker is its own process with its own counters. With
PROMETHEUS_MULTIPROC_DIR set (an empty directory, emptied before each start), every worker
writes its counters there and /metrics adds them up (prometheus_client's multiprocess mode).
"""

import os

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from alerts.check import assess
from shared.outages import StorageUnavailable
from shared.receiver import callback_refused, report_stored
from shared.report import utcnow
from shared.store import Store
from sms_log.countries import UNKNOWN

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what generate_latest writes

RECEIVED = Counter("sms_reports_received", "Delivery reports and inbound messages stored.",
                   ["provider", "status", "error_code", "country"])
REFUSED = Counter("sms_reports_refused", "Callbacks answered with an error, by reason.",
                  ["provider", "reason"])
STORAGE_SECONDS = Histogram(
    "sms_storage_seconds", "Time to store one report (commit included).", ["provider"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


@report_stored.connect
def received(provider: str, report, seconds: float, **_details) -> None:
    i = report.interpretation
    RECEIVED.labels(provider, i.state, i.error_code or "", report.country or UNKNOWN).inc()
    STORAGE_SECONDS.labels(provider).observe(seconds)


@callback_refused.connect
def refused(provider: str, reason: str) -> None:
    REFUSED.labels(provider, reason).inc()


class DeliveryFigures:
    """The alert rules' figures for the hour before the scrape, as gauges."""

    def __init__(self, store: Store, providers: list[str]):
        self.store, self.providers = store, providers

    def collect(self):
        up = GaugeMetricFamily("sms_delivery_figures_up",
                               "1 when the delivery figures could be read from the database.")
        try:
            self.store.ensure_tables()
            with self.store.errors(), self.store.engine.connect() as conn:
                # The last full clock hour, as `watch` judges it at :00 and the pictures mark it.
                hour_end = utcnow().replace(minute=0, second=0, microsecond=0)
                statuses = [s for p in self.providers
                            for s in assess(conn, hour_end, p, per_country=False).statuses]
        except StorageUnavailable:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        labels = ["provider", "direction"]
        families = {
            "messages": GaugeMetricFamily("sms_delivery_messages",
                                          "Messages in the last full hour.", labels=labels),
            "rate": GaugeMetricFamily("sms_delivery_rate", "Delivered / final outcomes in "
                                      "the last full hour (0 to 1).", labels=labels),
            "firing": GaugeMetricFamily("sms_delivery_alert_firing", "1 when the alert rule "
                                        "fires on the last full hour.", labels=labels),
            "baseline": GaugeMetricFamily("sms_delivery_baseline_rate", "Outbound: the same "
                                          "hour's average rate over the previous 7 days.",
                                          labels=labels),
            "drop": GaugeMetricFamily("sms_delivery_drop_ratio", "Outbound: relative drop of "
                                      "the rate against that average.", labels=labels),
        }
        for status in statuses:
            key, figures = [status.provider, status.direction], status.figures
            families["messages"].add_metric(key, figures.hour.total)
            families["firing"].add_metric(key, int(figures.fired))
            rate = figures.hour.rate if status.direction == "outbound" else figures.rate
            if rate is not None:
                families["rate"].add_metric(key, float(rate))
            if getattr(figures, "baseline", None) is not None:
                families["baseline"].add_metric(key, float(figures.baseline))
            if getattr(figures, "drop", None) is not None:
                families["drop"].add_metric(key, float(figures.drop))
        yield from families.values()


def exposition(store: Store, providers: list[str]) -> bytes:
    """The counters (every worker's, in multiprocess mode), then the delivery figures."""
    counted = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    figures = CollectorRegistry(auto_describe=False)
    figures.register(DeliveryFigures(store, providers))
    return generate_latest(counted) + generate_latest(figures)
