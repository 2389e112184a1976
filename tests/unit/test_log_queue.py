"""A request's log line never waits for the log's stream: one thread per process writes it."""

from __future__ import annotations

import io
import logging
import threading
import time

from checkout_app.http import log_queue


class StalledStream(io.StringIO):
    """stderr behind a full pipe: every write waits until `flowing` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.flowing = threading.Event()

    def write(self, text: str) -> int:
        self.flowing.wait(timeout=30)
        return super().write(text)


def wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def quiet_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.handlers.clear()
    return logger


def test_logging_returns_while_the_stream_is_stalled_and_the_line_is_written_later():
    logger, stream = quiet_logger("tests.log_queue.stalled"), StalledStream()
    listener = log_queue.install(logger, stream)
    try:
        done = threading.Event()
        threading.Thread(target=lambda: (logger.info("order %s", "a1"), done.set())).start()
        # The caller is back although the stream has not taken a byte.
        assert done.wait(timeout=10)
        assert stream.getvalue() == ""
        stream.flowing.set()
        assert wait_for(lambda: "order a1" in stream.getvalue())
        line = stream.getvalue().strip()
        assert line.endswith("INFO tests.log_queue.stalled order a1"), line
    finally:
        stream.flowing.set()
        listener.stop()


def test_a_traceback_and_levels_survive_the_queue():
    logger, stream = quiet_logger("tests.log_queue.levels"), io.StringIO()
    listener = log_queue.install(logger, stream, level=logging.WARNING)
    try:
        logger.info("not written")
        try:
            raise KeyError("lost cart")
        except KeyError:
            logger.exception("checkout failed")
    finally:
        listener.stop()  # writes what is queued, as at exit
    text = stream.getvalue()
    assert "not written" not in text
    assert "ERROR tests.log_queue.levels checkout failed" in text
    assert "KeyError: 'lost cart'" in text


def test_a_second_install_keeps_the_first_listener():
    logger, stream = quiet_logger("tests.log_queue.twice"), io.StringIO()
    listener = log_queue.install(logger, stream)
    try:
        assert log_queue.install(logger, io.StringIO()) is None
        assert len(logger.handlers) == 1
    finally:
        listener.stop()


def test_a_full_queue_drops_lines_counts_them_and_never_blocks_the_caller():
    logger, stream = quiet_logger("tests.log_queue.full"), StalledStream()
    listener = log_queue.install(logger, stream, queued_lines=3)
    try:
        done = threading.Event()

        def burst() -> None:
            for n in range(20):
                logger.info("line %d", n)
            done.set()

        threading.Thread(target=burst).start()
        assert done.wait(timeout=10)
        stream.flowing.set()
        assert wait_for(lambda: "line 0" in stream.getvalue())
        logger.info("after the stall")
        assert wait_for(lambda: "after the stall" in stream.getvalue())
    finally:
        stream.flowing.set()
        listener.stop()
    text = stream.getvalue()
    written = [n for n in range(20) if f"line {n}\n" in text]
    assert 3 <= len(written) <= 4  # the queue's 3, and perhaps one the listener held
    dropped = 20 - len(written)
    assert f"WARNING checkout_app.http.log_queue {dropped} log lines dropped" in text
    assert text.index("log lines dropped") < text.index("after the stall")


def test_stop_gives_up_on_a_stalled_stream(monkeypatch):
    monkeypatch.setattr(log_queue, "STOP_SECONDS", 0.2)
    logger, stream = quiet_logger("tests.log_queue.stop"), StalledStream()
    listener = log_queue.install(logger, stream, queued_lines=2)
    for n in range(5):
        logger.info("line %d", n)
    listener.stop()  # returns although the stream never takes a line
    listener.stop()
    assert stream.getvalue() == ""
    stream.flowing.set()
