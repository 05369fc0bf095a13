"""Signed Plivo callbacks for `make bench` (see shared.bench_requests)."""

from plivo_app.simulate import FakePlivo
from shared import bench_requests
from shared.config import env

if __name__ == "__main__":
    raise SystemExit(bench_requests.main(FakePlivo(auth_token=env("PLIVO_AUTH_TOKEN"))))
