"""Signed Vonage delivery receipts for `make bench` (see shared.bench_requests)."""

from nexmo_app.simulate import FakeVonage
from shared import bench_requests
from shared.config import env

if __name__ == "__main__":
    provider = FakeVonage(secret=env("VONAGE_SIGNATURE_SECRET"),
                          method=env("VONAGE_SIGNATURE_METHOD", "md5hash"))
    raise SystemExit(bench_requests.main(provider))
