"""Pre-signed callbacks for `make bench`: a provider's campaign, written as raw HTTP requests.

The load generators (wrk with tools/bench.lua, or tools.loadgen) only replay bytes, so signing
costs nothing during a measurement. Each provider's fake provider signs its own:
`python -m tools.bench_requests plivo --url … --count … --out …` (or `vonage`).

The output file holds one record per request: a line with its length, then the raw request.
Beside it, `<out>.reports` names each request's report (message id and status, tab-separated)
so the benchmark can check afterwards that every acknowledged report was stored.
"""

import argparse
import random
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from nexmo_app.simulate import FakeVonage
from plivo_app.simulate import FakePlivo
from shared import env
from simulator.model import FakeProvider
from simulator.scenarios import build


def raw_request(method: str, url: str, headers: dict[str, str], data=None) -> bytes:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    body = urlencode(data).encode() if data is not None else b""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "User-Agent: bench"]
    if data is not None:
        lines.append("Content-Type: application/x-www-form-urlencoded")
    lines.append(f"Content-Length: {len(body)}")
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def write(provider: FakeProvider, url: str, count: int, out: str, seed: int) -> None:
    rng = random.Random(seed)
    start = datetime.now(UTC).replace(tzinfo=None)
    written = 0
    with open(out, "wb") as requests, open(f"{out}.reports", "w") as reports:
        while written < count:
            played = build("campaign", provider, rng, start, 1.0, messages=100,
                           delivery_rate=0.9)
            # In the order the provider would send them: a message's reports seconds apart,
            # mixed with other messages' reports, as in a real campaign.
            for step in sorted((s for m in played for s in m.steps), key=lambda s: s.at):
                request = provider.request(url, step.fields, "POST")
                raw = raw_request(request.method, request.url, request.headers, request.data)
                requests.write(b"%d\n" % len(raw) + raw)
                reports.write(f"{step.message_id}\t{step.status}\n")
                written += 1


def fake_provider(name: str) -> FakeProvider:
    if name == "plivo":
        return FakePlivo(auth_token=env("PLIVO_AUTH_TOKEN"))
    return FakeVonage(secret=env("VONAGE_SIGNATURE_SECRET"),
                      method=env("VONAGE_SIGNATURE_METHOD", "md5hash"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_requests", description=__doc__)
    parser.add_argument("provider", choices=("plivo", "vonage"))
    parser.add_argument("--url", required=True, help="the callback URL, as signed")
    parser.add_argument("--count", type=int, required=True, help="at least this many requests")
    parser.add_argument("--out", required=True, help="the file to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    provider = fake_provider(args.provider)
    provider.check_credentials()
    write(provider, args.url, args.count, args.out, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
