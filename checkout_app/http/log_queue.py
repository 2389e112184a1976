"""Log lines leave the request thread through a queue; one thread per process writes them.

A StreamHandler writes under its lock, and a write gives up the GIL: in a gthread worker the
writer then waits for the GIL while every other thread that logs waits for the lock (in
`make bench` (b), 17 % of request wall time was spent in `Handler.acquire`). Worse, a stalled
stderr (a log collector that stopped reading) froze every request thread on that lock. Through
the queue a request only formats its line and appends it; the listener's thread writes.

The queue is bounded: while the stream is stalled and the queue is full, lines are dropped and
counted, and the next line that fits is preceded by a warning with the count. Lines still
queued when the process exits normally are written by `stop` (atexit); a worker killed
outright loses the lines not yet written.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sys
from logging.handlers import QueueHandler, QueueListener
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
QUEUED_LINES = 10_000
STOP_SECONDS = 5.0


class DroppingQueueHandler(QueueHandler):
    """Never blocks and never raises: a full queue drops the line and counts it.

    Handler.handle holds the handler's lock around enqueue, so the count needs no lock of its
    own."""

    dropped = 0

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            if self.dropped:
                self.queue.put_nowait(self._dropped_notice())
                self.dropped = 0
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1

    def _dropped_notice(self) -> logging.LogRecord:
        return logging.LogRecord(
            __name__,
            logging.WARNING,
            __file__,
            0,
            f"{self.dropped} log lines dropped: the log stream was not taking lines",
            None,
            None,
        )


class Listener(QueueListener):
    """A QueueListener that may be stopped twice (by its owner, then at exit), and whose stop
    gives up after STOP_SECONDS when the stream is stalled (its thread is a daemon)."""

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        try:
            self.queue.put(self._sentinel, timeout=STOP_SECONDS)
        except queue.Full:
            return
        thread.join(STOP_SECONDS)


def install(
    logger: logging.Logger | None = None,
    stream: TextIO | None = None,
    level: int = logging.INFO,
    queued_lines: int = QUEUED_LINES,
) -> Listener | None:
    """Route `logger` (the root logger by default) through a queue to `stream` (stderr).

    Does nothing and returns None when the logger already has handlers (as basicConfig would),
    so a second app in one process keeps the first one's listener.
    """
    logger = logger if logger is not None else logging.getLogger()
    if logger.handlers:
        return None
    sink = logging.StreamHandler(stream if stream is not None else sys.stderr)
    sink.setFormatter(logging.Formatter(FORMAT))
    lines: queue.Queue[logging.LogRecord | None] = queue.Queue(queued_lines)
    listener = Listener(lines, sink, respect_handler_level=True)
    listener.start()
    atexit.register(listener.stop)
    logger.addHandler(DroppingQueueHandler(lines))
    logger.setLevel(level)
    return listener
