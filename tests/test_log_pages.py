"""The whole log: /messages pages through every stored message, filters in the URL, counts
from the store.

Hundreds of messages are inserted in one statement (interpreted by the same function the store
uses); the multipart message goes through the real endpoint, its parts reported far apart.
"""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from shared.store import Store, messages
from sms_log.pages import PER_PAGE, message_summary
from sms_log.rows import one_row_per_message
from tests.callbacks import plivo_post, status_callback
from tests.stored import add, rows

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}
START = datetime(2026, 1, 10, 9, 0)
# (status, error code, direction, how many)
MIX = [("delivered", None, "outbound", 150), ("undelivered", "50", "outbound", 40),
       ("undelivered", "80", "outbound", 20), ("sent", None, "outbound", 25),
       ("received", None, "inbound", 12)]

# The three parts of one long message, as Plivo names them (UUIDs; the first is the parent).
PART = {n: f"0b1e9c2a-5f3d-4c8e-9a7b-00000000000{n}" for n in (1, 2, 3)}


def stored(database_url, provider="plivo"):
    """The log's messages as the store holds them, rolled up exactly as the page does."""
    store = Store(database_url)
    with store.engine.connect() as conn:
        rows = [message_summary(dict(r)) for r in conn.execute(
            select(messages).where(messages.c.provider == provider)
            .order_by(messages.c.updated_at.desc())).mappings()]
    store.engine.dispose()
    return one_row_per_message(rows)


@pytest.fixture
def busy(plivo, database_url):
    """247 single messages, and a 3-part message whose parts straddle them."""
    store = Store(database_url)
    store.ensure_tables()
    batch = []
    for status, code, direction, count in MIX:
        batch += rows("plivo", status, count, START + timedelta(minutes=len(batch)), code,
                      direction=direction)
    for row in batch:  # one after the other, newest last
        row["created_at"] = row["updated_at"] = row["sent_at"]
    add(store, batch)
    store.engine.dispose()
    for part in (1, 2, 3):
        fields = status_callback("delivered", message_uuid=PART[part], sequence=3,
                                 ParentMessageUUID=PART[1], PartInfo=f"{part} of 3")
        assert plivo_post(plivo, fields).status_code == 200
    store = Store(database_url)
    with store.engine.begin() as conn:  # its last part reported before everything else
        conn.execute(update(messages).where(messages.c.message_id == PART[3])
                     .values(updated_at=START - timedelta(hours=1)))
    store.engine.dispose()
    return plivo


def walk(client, url):
    """Every page from `url` on, following `next`; returns the pages' JSON."""
    pages = []
    while url:
        response = client.get(url, headers=JSON)
        assert response.status_code == 200, response.get_data(as_text=True)
        pages.append(response.get_json())
        url = pages[-1]["next"]
    return pages


def test_paging_through_the_log_reaches_every_stored_message_once(busy, database_url):
    pages = walk(busy, "/messages")
    seen = [m["message_id"] for page in pages for m in page["messages"]]
    expected = stored(database_url)
    assert len(pages) == 3 and [p["page"] for p in pages] == [1, 2, 3]
    assert sorted(seen) == sorted(m for r in expected for m in (
        [r["message_id"]] if r["parts"] is None else [PART[1], PART[2], PART[3]]))
    assert len(seen) == len(set(seen))
    assert pages[0]["total"] == len(expected) == 248


def test_a_page_holds_every_part_of_a_long_message_and_rolls_it_up(busy):
    pages = walk(busy, "/messages")
    parts = [m["message_id"] for p in pages for m in p["messages"] if m["group_id"]]
    assert parts == [PART[1], PART[2], PART[3]]  # together, on one page
    html = busy.get("/messages", headers=HTML).get_data(as_text=True)
    assert "3/3 delivered" in html  # not "pending" because a part was off the page


def test_the_header_counts_are_the_stores_whatever_the_page(busy, database_url):
    expected = {}
    for row in stored(database_url):
        expected[row["outcome"]] = expected.get(row["outcome"], 0) + 1
    assert expected == {"delivered": 163, "failed": 60, "pending": 25}
    for page in walk(busy, "/messages"):
        assert page["counts"] == expected
    html = busy.get("/messages?page=3", headers=HTML).get_data(as_text=True)
    assert '<span id="total">248</span> messages' in html
    for outcome, count in expected.items():
        assert f">{count} {outcome}</a>" in html


@pytest.mark.parametrize(("query", "wanted"), [
    ("outcome=failed", lambda r: r["outcome"] == "failed"),
    ("outcome=pending", lambda r: r["outcome"] == "pending"),
    ("direction=inbound", lambda r: r["direction"] == "inbound"),
    ("status=undelivered", lambda r: r["state"] == "undelivered"),
    ("status=sent&outcome=pending", lambda r: r["state"] == "sent"),
    ("error=80", lambda r: r["error_code"] == "80"),
    ("direction=outbound&outcome=delivered", lambda r: r["direction"] == "outbound"
     and r["outcome"] == "delivered"),
    ("since=2026-01-10T11:00&until=2026-01-10T12:00Z",
     lambda r: "2026-01-10 11:00" <= r["updated_at"] < "2026-01-10 12:00"),
])
def test_each_filter_in_the_url_lists_exactly_the_matching_messages(busy, database_url, query,
                                                                      wanted):
    pages = walk(busy, f"/messages?{query}")
    seen = [m["message_id"] for p in pages for m in p["messages"]
            if m["message_id"] in (PART[1], m["group_id"] or m["message_id"])]
    expected = [r["message_id"] for r in stored(database_url) if wanted(r)]
    assert seen == expected  # newest first, as stored
    assert pages[0]["total"] == len(expected) and len(expected) > 0
    assert all(query.split("&")[0].split("=")[0] in p["filters"] for p in pages)
    if len(pages) > 1:
        assert query in pages[0]["next"] or "page=2" in pages[0]["next"]


def test_a_filter_keeps_itself_in_the_pager_links(busy):
    html = busy.get("/messages?direction=outbound", headers=HTML).get_data(as_text=True)
    older = re.search(r'rel="next" href="([^"]+)"', html).group(1)
    assert "direction=outbound" in older and "page=2" in older
    assert f"page 1 of {-(-236 // PER_PAGE)}" in html


@pytest.mark.parametrize(("query", "named"), [
    ("outcome=lost", "outcome"), ("status=gone", "status"), ("direction=sideways", "direction"),
    ("page=0", "page"), ("page=two", "page"), ("since=yesterday", "since"),
    ("until=2026-13-01", "until"),
])
def test_a_bad_filter_is_a_400_naming_it(plivo, query, named):
    response = plivo.get(f"/messages?{query}", headers=JSON)
    assert response.status_code == 400
    assert response.get_data(as_text=True).startswith(named)


def test_a_page_past_the_end_is_empty_and_points_back_to_the_last(busy):
    page = busy.get("/messages?page=9", headers=JSON).get_json()
    assert (page["messages"], page["next"]) == ([], None)
    assert page["previous"] == "/messages?page=3"  # the last page
