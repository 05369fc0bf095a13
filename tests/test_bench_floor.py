"""The benchmark's floor routes do what they claim: read, check a real signature, store."""

import sqlite3

from shared import bench_floor
from shared.writer_lock import WriterLock
from tests.payloads import plivo_status
from tests.signing import PLIVO_AUTH_TOKEN, plivo_headers


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
    app = bench_floor._app(bench_floor._Inserter(WriterLock(database + "-writer.lock")))
    client = app.test_client()
    for n in range(3):
        assert client.post("/delivery", data=plivo_status(MessageUUID=f"m-{n}")).status_code == 200
    with sqlite3.connect(database) as connection:
        rows = [raw for (raw,) in connection.execute("SELECT raw FROM reports ORDER BY id")]
    assert [f"MessageUUID=m-{n}" in raw for n, raw in enumerate(rows)] == [True] * 3
