"""A real browser (headless Chromium) opens the SMS log after a simulated campaign.

Screenshots are saved under test-artifacts/ for a person to look at. Skipped where Chromium is
not installed (CI installs the Debian package `chromium`).
"""

import random
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from plivo_app.simulate import FakePlivo
from simulator.delivery import Deliverer
from simulator.scenarios import build
from sms_log.charts import COLOURS
from sms_log.rows import ACTIVE_REFRESH_SECONDS, IDLE_REFRESH_SECONDS, refresh_seconds
from tests.servers import serving
from tests.signing import PLIVO_AUTH_TOKEN
from tests.stored import add, bad_hour, rows

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


def chromium(url: str, profile: Path, *action: str) -> str:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={profile}", "--window-size=1280,900",
               *action, url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def play(url: str, scenario: str, **options) -> list:
    provider = FakePlivo(auth_token=PLIVO_AUTH_TOKEN)
    played = build(scenario, provider, random.Random(11), datetime.now(UTC), 0.001, **options)
    deliveries = Deliverer(provider, url, time_scale=0.001, concurrency=8).run(played)
    assert all(d.acknowledged for d in deliveries)
    return played


@needs_chromium
def test_the_log_page_shows_one_row_per_message_in_a_real_browser(plivo_app, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with serving(plivo_app) as base:
        played = play(base + "/delivery", "campaign", messages=25, delivery_rate=0.7)
        played += play(base + "/delivery", "multipart", parts=3)
        played += play(base + "/delivery", "inbound")
        dom = chromium(f"{base}/messages", tmp_path / "profile", "--dump-dom")
        chromium(f"{base}/messages", tmp_path / "profile",
                 f"--screenshot={ARTIFACTS / 'messages.png'}")
        multipart = next(m for m in played if m.plan.parts == 3)
        detail = chromium(f"{base}/messages/{multipart.message_ids[0]}", tmp_path / "profile",
                          "--dump-dom")
        chromium(f"{base}/messages/{multipart.message_ids[0]}", tmp_path / "profile",
                 f"--screenshot={ARTIFACTS / 'message.png'}")

    rows = re.findall(r'<tr class="message-row" data-outcome="(\w+)"', dom)
    assert len(rows) == len(played)  # the parts of a long message make one row
    failed = [m for m in played if m.plan.error_code]
    assert rows.count("failed") == len(failed) and rows.count("delivered") == len(played) - len(
        failed)
    assert "Invalid Destination Number" in dom or "Destination Temporarily Unavailable" in dom
    assert "3/3 delivered" in dom
    assert (ARTIFACTS / "messages.png").stat().st_size > 10_000

    assert len(re.findall(r'<tr class="event-row"', detail)) == 3  # queued, sent, delivered
    assert "1 of 3" in detail and "3 of 3" in detail
    assert (ARTIFACTS / "message.png").stat().st_size > 10_000


@needs_chromium
def test_an_inbound_script_stays_text_in_a_real_browser(plivo_app, tmp_path):
    provider = FakePlivo(auth_token=PLIVO_AUTH_TOKEN)
    (inbound,) = build("inbound", provider, random.Random(2), datetime.now(UTC), 1)
    fields = dict(inbound.steps[0].fields, Text='<script>document.title="owned"</script>')
    signed = provider.request("http://localhost/delivery", fields, "POST")
    response = plivo_app.test_client().post(signed.url, data=signed.data, headers=signed.headers)
    assert response.status_code == 200
    with serving(plivo_app) as base:
        dom = chromium(f"{base}/messages/{fields['MessageUUID']}", tmp_path / "profile",
                       "--dump-dom")
    assert "owned" not in re.search(r"<title>(.*?)</title>", dom).group(1)
    assert "&lt;script&gt;document.title" in dom


@needs_chromium
def test_the_pictures_page_draws_labelled_charts_in_a_real_browser(plivo_app, database_url,
                                                                   tmp_path, capsys):
    ARTIFACTS.mkdir(exist_ok=True)
    store, hour, _raised = bad_hour(database_url, capsys)
    hour += timedelta(hours=1)  # the current hour: the bad one stays as it was
    add(store, rows("plivo", "delivered", 30, hour, to="+33639980001", country="FR",
                    network="20810"),
        rows("plivo", "undelivered", 20, hour, "100", to="+33639980001", country="FR",
             network="20810"),
        rows("plivo", "delivered", 40, hour, to="+493023125001", country="DE", network="26201"))
    with serving(plivo_app) as base:
        dom = chromium(f"{base}/pictures", tmp_path / "profile", "--dump-dom")
        chromium(f"{base}/pictures", tmp_path / "profile", "--window-size=1280,2600",
                 f"--screenshot={ARTIFACTS / 'pictures.png'}")

    svgs = re.findall(r'<svg class="chart".*?</svg>', dom, re.S)
    assert len(svgs) == 2  # the browser parsed both charts as SVG elements
    for svg, title in zip(svgs, ("Outbound", "Inbound"), strict=True):
        assert f"{title} delivery rate per hour" in svg
        assert svg.count('class="rate-bar"') >= 1 and svg.count('class="fired"') == 1
        assert ">100%</text>" in svg and "hour the messages were sent in (UTC)" in svg
    assert "Invalid Destination Number" in dom and "ALERT outbound plivo" in dom
    # Delivery by country, worst first: FR's bar (60%) and its label, then DE's.
    countries = re.search(r'<svg class="chart countries".*?</svg>', dom, re.S).group(0)
    assert re.findall(r'data-country="(\w+)"', countries) == ["FR", "DE"]
    assert re.search(r'class="country-label"[^>]*>FR France</text>', countries)
    assert re.findall(r'class="country-rate"[^>]*>([^<]+)<', countries) == ["60.0%", "100.0%"]
    assert ">50 sent · 30 delivered · 20 failed</text>" in countries
    assert 'href="/messages?network=20810&amp;direction=outbound&amp;outcome=failed"' in dom
    # Drawn, not only in the DOM: the screenshot shows the bars' blue, the fired hour's band
    # and the red of FR's undelivered share.
    with Image.open(ARTIFACTS / "pictures.png") as shot:
        colours = {colour for _count, colour in shot.convert("RGB").getcolors(1_000_000)}
    assert hex_rgb(COLOURS["bar"]) in colours and hex_rgb(COLOURS["fired"]) in colours
    assert hex_rgb(COLOURS["undelivered"]) in colours


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_the_log_page_refreshes_every_few_seconds_only_while_reports_arrive():
    now = datetime(2026, 11, 23, 12, 0, 0)
    recent = [{"updated_at": "2026-11-23 11:59:30.000000"}]
    quiet = [{"updated_at": "2026-11-23 11:40:00.000000"}]
    assert refresh_seconds(recent, now) == ACTIVE_REFRESH_SECONDS
    assert refresh_seconds(quiet, now) == IDLE_REFRESH_SECONDS
    assert refresh_seconds([], now) == IDLE_REFRESH_SECONDS
