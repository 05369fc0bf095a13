"""A one-line progress bar on a terminal; silence when the output is a file or a pipe."""

import sys
import threading


class ProgressBar:
    WIDTH = 30

    def __init__(self, total: int, label: str, stream=sys.stderr):
        self.total, self.label, self.stream = total, label, stream
        self.done = self.retrying = 0
        self.enabled = stream.isatty()
        self._lock = threading.Lock()

    def update(self, finished: bool, retrying: int) -> None:
        with self._lock:
            self.done += finished
            self.retrying = retrying
            if self.enabled:
                filled = self.WIDTH * self.done // max(self.total, 1)
                bar = "█" * filled + "·" * (self.WIDTH - filled)
                extra = f"  {self.retrying} waiting to retry" if self.retrying else ""
                self.stream.write(f"\r  {self.label} [{bar}] {self.done}/{self.total} reports"
                                  f"{extra}\033[K")
                self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
