"""A server's CPU time counts its workers, live or respawned (tools.process_cpu, for make bench)."""

import os
import subprocess
import sys

import pytest

from tools.process_cpu import cpu_seconds

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")

# Burns 0.3 s of its own CPU, says so, then waits until its input closes.
WORKER = """
import sys, time
while time.process_time() < 0.3:
    pass
print("burnt", flush=True)
sys.stdin.read()
"""


def test_a_workers_cpu_counts_while_it_runs_and_after_it_was_reaped():
    before = cpu_seconds(os.getpid())
    worker = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert worker.stdout.readline() == "burnt\n"
    while_live = cpu_seconds(os.getpid())
    worker.communicate("")
    after_reaped = cpu_seconds(os.getpid())
    assert while_live - before >= 0.25  # /proc counts in clock ticks (10 ms)
    assert after_reaped >= while_live
