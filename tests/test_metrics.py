"""/metrics: what operators scrape, parsed with prometheus_client's own parser."""

import os
import subprocess
import sys

from prometheus_client.parser import text_string_to_metric_families

from tests.callbacks import (
    SEED_DELIVERED,
    plivo_post,
    status_callback,
    vonage_post_form,
)
from tests.signing import plivo_app_on, plivo_headers
from tests.stored import bad_hour

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

UUIDS = {n: f"6c4f1d2e-8a3b-4f5c-9d7e-00000000000{n}" for n in range(1, 6)}


def scrape(client) -> dict:
    """{(sample name, sorted labels): value} of one /metrics answer."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def changed(before: dict, after: dict) -> dict:
    return {key: after[key] - before.get(key, 0) for key in after
            if after[key] != before.get(key, 0) and key[0].startswith("sms_")
            and key[0].endswith(("_total", "_count"))}


def received(provider, status, code="", country="GB"):
    return ("sms_reports_received_total", (("country", country), ("error_code", code),
                                           ("provider", provider), ("status", status)))


def refused(provider, reason):
    return "sms_reports_refused_total", (("provider", provider), ("reason", reason))


def storage(provider):
    return "sms_storage_seconds_count", (("provider", provider),)


def test_reports_are_counted_by_provider_status_error_code_and_country(plivo, vonage):
    before = scrape(plivo)
    plivo_post(plivo, status_callback("delivered", message_uuid=UUIDS[1]))
    plivo_post(plivo, status_callback("undelivered", message_uuid=UUIDS[2], error_code="50"))
    plivo_post(plivo, status_callback("undelivered", message_uuid=UUIDS[3], error_code="50"))
    vonage_post_form(vonage, SEED_DELIVERED)
    assert changed(before, scrape(plivo)) == {
        received("plivo", "delivered"): 1, received("plivo", "undelivered", "50"): 2,
        received("vonage", "delivered"): 1, storage("plivo"): 3, storage("vonage"): 1}


def test_refusals_are_counted_by_reason(plivo, vonage):
    before = scrape(plivo)
    fields = status_callback("delivered")
    plivo.post("/delivery", data=fields, headers=plivo_headers({**fields, "Status": "failed"}))
    plivo.post("/delivery", data="Status=sent&Status=sent", headers=plivo_headers({}),
               content_type="application/x-www-form-urlencoded")
    vonage.post("/webhooks/delivery-receipt", data={"status": "delivered"})
    vonage.post("/webhooks/message-status", json={"message_uuid": UUIDS[1]},
                headers={"Authorization": "Bearer not-a-token"})
    broken = plivo_app_on("sqlite:////nonexistent-dir/x.db").test_client()
    plivo_post(broken, status_callback("delivered"))
    assert changed(before, scrape(plivo)) == {
        refused("plivo", "signature"): 1, refused("plivo", "bad_input"): 1,
        refused("vonage", "signature"): 2, refused("plivo", "storage"): 1}


def test_the_delivery_figures_are_the_alert_rules(plivo, database_url, capsys):
    bad_hour(database_url, capsys)
    samples = scrape(plivo)
    outbound, inbound = (("direction", "outbound"), ("provider", "plivo")), (
        ("direction", "inbound"), ("provider", "plivo"))
    assert samples["sms_delivery_figures_up", ()] == 1
    assert samples["sms_delivery_messages", outbound] == 260
    assert samples["sms_delivery_rate", outbound] == 0.7
    assert round(samples["sms_delivery_baseline_rate", outbound], 3) == 0.95
    assert round(samples["sms_delivery_drop_ratio", outbound], 3) == 0.263
    assert samples["sms_delivery_alert_firing", outbound] == 1
    assert (samples["sms_delivery_messages", inbound], samples["sms_delivery_rate", inbound],
            samples["sms_delivery_alert_firing", inbound]) == (20, 0.8, 1)


def test_metrics_still_answer_when_the_database_does_not(plivo):
    broken = plivo_app_on("sqlite:////nonexistent-dir/x.db").test_client()
    assert scrape(broken)["sms_delivery_figures_up", ()] == 0


def test_several_worker_processes_add_up_in_multiprocess_mode(tmp_path, database_url):
    """Two processes count one report each into PROMETHEUS_MULTIPROC_DIR; a third scrapes."""
    counters = tmp_path / "metrics"  # only metric files: the collector reads every *.db there
    counters.mkdir()
    environment = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(counters),
                       DATABASE_URL=database_url)
    worker = (
        "from tests.callbacks import plivo_post, status_callback\n"
        "from tests.signing import plivo_app_on\n"
        "import os, sys\n"
        "client = plivo_app_on(os.environ['DATABASE_URL']).test_client()\n"
        "if sys.argv[1] == 'post':\n"
        "    assert plivo_post(client, status_callback('delivered', message_uuid=sys.argv[2]))"
        ".status_code == 200\n"
        "else:\n"
        "    open(sys.argv[2], 'w').write(client.get('/metrics').get_data(as_text=True))\n")
    for uuid in (UUIDS[4], UUIDS[5]):
        subprocess.run([sys.executable, "-c", worker, "post", uuid], cwd=ROOT,
                       env=environment, check=True, capture_output=True)
    scraped = tmp_path / "scraped.txt"
    subprocess.run([sys.executable, "-c", worker, "scrape", str(scraped)], cwd=ROOT,
                   env=environment, check=True, capture_output=True)
    text = scraped.read_text()
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples[received("plivo", "delivered")] == 2
