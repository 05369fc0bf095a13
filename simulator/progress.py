"""What a run shows while it waits: a progress bar for a campaign (on a terminal only; silence
when the output is a file or a pipe), and a line before each long pause of a single scenario."""

import sys
import threading

from shared.report import short_id


class ProgressBar:
    WIDTH = 30

    def __init__(self, total: int, label: str, stream=None):
        self.total, self.label, self.stream = total, label, stream or sys.stderr
        self.done = self.retrying = 0
        self.enabled = self.stream.isatty()
        self._shown = 0  # length of the line on screen, blanked out by the next one
        self._lock = threading.Lock()

    def update(self, finished: bool, retrying: int) -> None:
        with self._lock:
            self.done += finished
            self.retrying = retrying
            if self.enabled:
                filled = self.WIDTH * self.done // max(self.total, 1)
                bar = "█" * filled + "·" * (self.WIDTH - filled)
                extra = f"  {self.retrying} waiting to retry" if self.retrying else ""
                # Spaces rather than an ANSI erase: an older Windows console prints those raw.
                line = f"  {self.label} [{bar}] {self.done}/{self.total} reports{extra}"
                self.stream.write("\r" + line.ljust(self._shown))
                self._shown = len(line)
                self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


class WaitNotice:
    """At real time a scenario pauses as the provider would: seconds between a message's
    reports, a minute before a duplicate. Say what comes next, so the run does not look stuck."""

    def __init__(self, title: str, time_scale: float, stream=None):
        self.title, self.time_scale, self.stream = title, time_scale, stream

    def __call__(self, delivery, seconds: float) -> None:
        if delivery.attempts:
            return  # a retry: its attempt line already said when
        step = delivery.step
        what = step.status + (f" ({step.label})" if step.label else "")
        wait = f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.1f}"
        line = (f"      … {wait} s until {self.title} sends the next report: {what} "
                f"of {short_id(step.message_id)}")
        if self.time_scale == 1 and seconds >= 10:
            line += f" (--time-scale 0.01 makes it {seconds / 100:.1f} s)"
        print(line, file=self.stream, flush=True)
