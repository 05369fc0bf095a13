"""The benchmark's floor routes do what they claim: read, check a real signature, store."""

import sqlite3

from tests.payloads import plivo_status
from tests.signing import PLIVO_AUTH_TOKEN, plivo_headers
from tools import bench_floor


def test_read_answers_after_parsing_the_form():
    client = bench_floor.read.test_client()
    assert client.post("/delivery", data=plivo_status()).get_data(as_text=True) == "ok"
    assert client.post("/delivery", data={}).get_data(as_text=True) == "empty"


def test_check_accepts_plivos_signature_and_refuses_a_forged_body(monkeypatch):
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", PLIVO_AUTH_TOKEN)
    client = bench_floor.check.test_client()
    fields = plivo_status()
    headers = plivo_headers(fields)
    assert client.post("/delivery", data=fields, headers=headers).status_code == 200
    forged = {**fields, "To": "+447700900999"}
    assert client.post("/delivery", data=forged, headers=headers).status_code == 403


def test_insert_commits_each_body(tmp_path, monkeypatch):
    database = str(tmp_path / "floor.db")
    monkeypatch.setattr(bench_floor, "DATABASE", database)
    app = bench_floor._app(bench_floor._Inserter())
    client = app.test_client()
    for n in range(3):
        assert client.post("/delivery", data=plivo_status(MessageUUID=f"m-{n}")).status_code == 200
    with sqlite3.connect(database) as connection:
        rows = [raw for (raw,) in connection.execute("SELECT raw FROM reports ORDER BY id")]
    assert [f"MessageUUID=m-{n}" in raw for n, raw in enumerate(rows)] == [True] * 3


def test_durable_stores_only_a_report_whose_signature_checks(tmp_path, monkeypatch):
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", PLIVO_AUTH_TOKEN)
    database = str(tmp_path / "floor.db")
    monkeypatch.setattr(bench_floor, "DATABASE", database)
    inserter = bench_floor._Inserter()
    client = bench_floor._app(bench_floor._checked(inserter)).test_client()
    fields = plivo_status()
    headers = plivo_headers(fields)
    assert client.post("/delivery", data=fields, headers=headers).status_code == 200
    forged = {**fields, "To": "+447700900999"}
    assert client.post("/delivery", data=forged, headers=headers).status_code == 403
    with sqlite3.connect(database) as connection:
        rows = [raw for (raw,) in connection.execute("SELECT raw FROM reports")]
    assert len(rows) == 1 and "447700900111" in rows[0]
