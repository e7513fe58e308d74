"""Batch progress: a one-line bar on a terminal, one plain line per finished submission otherwise (logs, CI)."""
import sys
import time

from ..report.terminal import printable


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """Counts finished submissions and failures; `left()` estimates the time to go from the pace so far."""

    def __init__(self, total, stream=None, bar=None):
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self.total, self.done, self.failed = total, 0, 0
        self.started = time.monotonic()

    def left(self):
        if not self.done:
            return None
        pace = (time.monotonic() - self.started) / self.done
        return pace * (self.total - self.done)

    def finished(self, name, line, failed=False):
        """One submission is done; `line` says how it went (score, or why it failed)."""
        self.done += 1
        self.failed += bool(failed)
        if self.bar:
            self.draw()
        else:
            print(f"[{self.done}/{self.total}] {printable(name)}: {printable(line)}", file=self.stream, flush=True)

    def draw(self):
        """Redraw the bar (also called every second or so while waiting, so the estimate stays current)."""
        if not self.bar or not self.total:
            return
        width = 30
        filled = width * self.done // self.total
        left = self.left()
        eta = f"~{_duration(left)} left" if left is not None else "estimating time left"
        text = (f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} done, "
                f"{self.failed} failed, {eta}  ")
        self.stream.write(text)
        self.stream.flush()

    def close(self):
        if self.bar:
            self.stream.write("\n")
            self.stream.flush()
