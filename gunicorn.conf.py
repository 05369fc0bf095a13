"""gunicorn settings for production and for `make bench` (which measures with these very ones):

    gunicorn -c gunicorn.conf.py -b 0.0.0.0:8000 'plivo_app:create_app()'
    gunicorn -c gunicorn.conf.py -b 0.0.0.0:8001 'nexmo_app:create_app()'

Options given on the command line win over this file (`-w 4`, `--threads 16`); gunicorn's
WEB_CONCURRENCY sets the workers too. docs/benchmark.md has the figures behind each choice.
"""

import os

# Threads, not sync workers. A sync worker serves one connection at a time from its first byte
# to its last, so a few clients that send their request slowly (slow-loris, or a bad mobile
# network behind no buffering proxy) hold every worker and real callbacks wait past Plivo's
# 8 s. gthread waits in its event loop until a connection has bytes to read, and a client
# that then trickles its request holds one thread of the pool, not the worker.
# Threads also let one worker commit many reports in one transaction (shared/group_commit.py).
worker_class = "gthread"
# `make bench` on 2 cores: 3 workers served no more than 2. 8 threads per worker: with 4, four
# slow clients can hold every thread of one worker (tests/test_slow_clients.py then fails);
# 16 measured 0.22×/0.28× the bare route against 0.24–0.32×/0.30–0.38× with 8.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # about one per core
threads = 8  # per worker: requests in flight, which one commit can hold together
graceful_timeout = 10  # a stopping worker finishes the callbacks it has, then exits
# gunicorn believes X-Forwarded-Proto from the addresses listed here (127.0.0.1 by default), so
# any local client or tunnel could choose the scheme of the URL a signature is checked against.
# None: TRUST_PROXY=1 (werkzeug's ProxyFix, one proxy) or PUBLIC_BASE_URL decides instead.
forwarded_allow_ips = ""
