"""The CPU time a server spends, from /proc (Linux only): `make bench` divides it by the reports
a load run got answered.

A gunicorn server is a master and its workers, and a worker may die and be respawned during a
run. So a server's CPU time is the sum of
- the master's own user + system time (utime, stime),
- the children it has reaped (cutime, cstime: a worker counts there only once it exited and the
  master waited for it),
- each live worker's own utime + stime (and its own reaped children's), which is not yet in
  the master's cutime.
Read before and after a run, the difference is what the run cost, respawns included. The
figures of /proc/<pid>/stat cover every thread of the process.
"""

import os
from contextlib import suppress

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# Fields of /proc/<pid>/stat after the command name, counted from the state (proc(5) numbers
# them from 1 with pid and comm first: ppid is 4, utime 14, stime 15, cutime 16, cstime 17).
PPID, UTIME, CSTIME = 1, 11, 14


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as file:
        # The command name is in parentheses and may hold spaces or parentheses itself.
        return file.read().rpartition(")")[2].split()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` now."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with suppress(OSError, IndexError):  # gone meanwhile
                if int(_stat(int(entry))[PPID]) == pid:
                    found.append(int(entry))
    return found


def _ticks(fields: list[str]) -> int:
    """utime + stime + cutime + cstime."""
    return sum(int(x) for x in fields[UTIME:CSTIME + 1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and its children, live or reaped, since they started."""
    while True:
        before = _stat(pid)
        live = 0
        for child in children(pid):
            with suppress(OSError, IndexError):
                live += _ticks(_stat(child))
        after = _stat(pid)
        # A child reaped while we read would count twice (live, then in cutime): read again.
        if before[CSTIME - 1:CSTIME + 1] == after[CSTIME - 1:CSTIME + 1]:
            return (_ticks(after) + live) / TICKS_PER_SECOND
