"""The benchmark's floor routes do what they claim: read, check a real signature, store."""

import os
import sqlite3

import pytest

from tests.payloads import plivo_status, vonage_receipt
from tests.signing import PLIVO_AUTH_TOKEN, VONAGE_SIGNATURE_SECRET, plivo_headers, vonage_signed
from tools import bench_floor

FORGED_TO = "+447700900999"


@pytest.fixture(autouse=True)
def secrets(monkeypatch):
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", PLIVO_AUTH_TOKEN)
    monkeypatch.setenv("VONAGE_SIGNATURE_SECRET", VONAGE_SIGNATURE_SECRET)


@pytest.fixture
def sqlite_floor(tmp_path, monkeypatch):
    """The floor database in a temporary directory; `rows()` reads back what it stored."""
    database = str(tmp_path / "floor.db")
    monkeypatch.setattr(bench_floor, "DATABASE", database)

    def rows() -> list[str]:
        with sqlite3.connect(database) as connection:
            return [raw for (raw,) in connection.execute("SELECT raw FROM reports ORDER BY id")]
    return rows


def durable(check, insert):
    # A new app and store, not the module's: those keep each thread's connection for good.
    return bench_floor._app(bench_floor._checked(check, insert)).test_client()


def test_read_answers_after_parsing_the_form():
    client = bench_floor.read.test_client()
    assert client.post("/delivery", data=plivo_status()).get_data(as_text=True) == "ok"
    assert client.post("/delivery", data={}).get_data(as_text=True) == "empty"


def test_check_accepts_plivos_signature_and_refuses_a_forged_body():
    client = bench_floor.check.test_client()
    fields = plivo_status()
    headers = plivo_headers(fields)
    assert client.post("/delivery", data=fields, headers=headers).status_code == 200
    forged = {**fields, "To": FORGED_TO}
    assert client.post("/delivery", data=forged, headers=headers).status_code == 403


def test_check_signs_the_callback_urls_own_query_as_plivo_does():
    client = bench_floor.check.test_client()
    fields = plivo_status()
    url = "http://localhost/delivery?ref=A17&campaign=x"
    headers = plivo_headers(fields, url=url)
    assert client.post("/delivery?ref=A17&campaign=x", data=fields,
                       headers=headers).status_code == 200
    assert client.post("/delivery?ref=A18&campaign=x", data=fields,
                       headers=headers).status_code == 403


def test_check_refuses_a_callback_signed_with_another_token():
    client = bench_floor.check.test_client()
    fields = plivo_status()
    headers = plivo_headers(fields, token="another-token")
    assert client.post("/delivery", data=fields, headers=headers).status_code == 403


def test_insert_commits_each_body(sqlite_floor):
    client = bench_floor._app(bench_floor._inserted(bench_floor.SQLiteInsert())).test_client()
    for n in range(3):
        assert client.post("/delivery", data=plivo_status(MessageUUID=f"m-{n}")).status_code == 200
    assert [f"MessageUUID=m-{n}" in raw for n, raw in enumerate(sqlite_floor())] == [True] * 3


def test_durable_stores_a_signed_plivo_report_and_refuses_a_forged_one(sqlite_floor):
    client = durable(bench_floor._plivo_check, bench_floor.SQLiteInsert())
    fields = plivo_status()
    headers = plivo_headers(fields)
    assert client.post("/delivery", data=fields, headers=headers).status_code == 200
    forged = {**fields, "To": FORGED_TO}
    assert client.post("/delivery", data=forged, headers=headers).status_code == 403
    rows = sqlite_floor()
    assert len(rows) == 1 and "447700900111" in rows[0]


def test_durable_vonage_stores_a_signed_receipt_and_refuses_a_forged_one(sqlite_floor):
    client = durable(bench_floor.vonage_md5hash_matches, bench_floor.SQLiteInsert())
    signed = vonage_signed(vonage_receipt(status="delivered"))
    assert client.post("/webhooks/delivery-receipt", data=signed).status_code == 200
    forged = {**signed, "msisdn": "447700900999"}
    assert client.post("/webhooks/delivery-receipt", data=forged).status_code == 403
    unsigned = {k: v for k, v in signed.items() if k != "sig"}
    assert client.post("/webhooks/delivery-receipt", data=unsigned).status_code == 403
    other_secret = vonage_signed(vonage_receipt(), secret="another-secret")
    assert client.post("/webhooks/delivery-receipt", data=other_secret).status_code == 403
    rows = sqlite_floor()
    assert len(rows) == 1 and "msisdn=447547232824" in rows[0]


def test_durable_vonage_replaces_ampersands_and_equals_signs_in_values_as_vonage_does(
        sqlite_floor):
    client = durable(bench_floor.vonage_md5hash_matches, bench_floor.SQLiteInsert())
    signed = vonage_signed(vonage_receipt(**{"client-ref": "a=1&b=2"}))
    assert client.post("/webhooks/delivery-receipt", data=signed).status_code == 200
    assert len(sqlite_floor()) == 1


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="needs a PostgreSQL server (TEST_DATABASE_URL)")
def test_durable_postgres_stores_a_signed_plivo_report_and_refuses_a_forged_one(monkeypatch):
    import psycopg

    from tests.database import fresh_database

    with fresh_database(os.environ["TEST_DATABASE_URL"]) as url:
        monkeypatch.setenv("BENCH_FLOOR_POSTGRES_URL", url)
        insert = bench_floor.PostgresInsert()
        client = durable(bench_floor._plivo_check, insert)
        fields = plivo_status()
        headers = plivo_headers(fields)
        assert client.post("/delivery", data=fields, headers=headers).status_code == 200
        forged = {**fields, "To": FORGED_TO}
        assert client.post("/delivery", data=forged, headers=headers).status_code == 403
        insert.connection().close()
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
            rows = [raw for (raw,) in conn.execute("SELECT raw FROM reports")]
        assert len(rows) == 1 and "447700900111" in rows[0]
