"""Processes of the fleet: spawn them detached, find them again by pid, stop only those.

Every process is recorded as (pid, start time), so `make fleet-stop` in another process stops
exactly what `make fleet` started, and never a process that later got a recycled pid.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psutil

PG_USER = "postgres"  # the owner of the fleet's own cluster when this runs as root


def as_root() -> bool:
    return os.geteuid() == 0


def wait_until(ready: Callable[[], bool], seconds: float, failure: str) -> float:
    """Poll `ready` until true; the seconds it took. RuntimeError(failure) past `seconds`."""
    started = time.monotonic()
    while not ready():
        if time.monotonic() - started > seconds:
            raise RuntimeError(failure)
        time.sleep(0.05)
    return time.monotonic() - started


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports on 127.0.0.1 (held open together so none repeats)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def find_binary(name: str) -> str:
    """A Debian binary on PATH or in /usr/sbin; RuntimeError naming `make fleet-packages`."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if not found:
        raise RuntimeError(f"{name} is not installed: run `make fleet-packages`")
    return found


def pg_bindir() -> Path:
    """PostgreSQL's server binaries: Debian's postgresql package, else pgserver's."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


class Registry:
    """The fleet's processes, kept in `<root>/processes.json`."""

    def __init__(self, root: Path) -> None:
        self.path = root / "processes.json"
        self.entries: dict[str, list[float]] = (
            json.loads(self.path.read_text()) if self.path.exists() else {}
        )

    def _save(self) -> None:
        self.path.write_text(json.dumps(self.entries, indent=1))

    def spawn(
        self,
        name: str,
        argv: list[str],
        log: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
    ) -> int:
        """Start `argv` in its own session (it outlives us), output to `log`; its pid."""
        with log.open("ab") as sink:
            process = subprocess.Popen(
                argv,
                env=env,
                cwd=cwd,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                user=user,
            )
        self.adopt(name, process.pid)
        return process.pid

    def adopt(self, name: str, pid: int) -> None:
        """Record a process started some other way (the postmaster)."""
        self.entries[name] = [pid, psutil.Process(pid).create_time()]
        self._save()

    def forget(self, name: str) -> None:
        self.entries.pop(name, None)
        self._save()

    def process(self, name: str) -> psutil.Process | None:
        """The recorded process if it still runs (same pid and start time)."""
        if name not in self.entries:
            return None
        pid, created = self.entries[name]
        try:
            process = psutil.Process(int(pid))
            same = abs(process.create_time() - created) < 0.01
            if same and process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                return process
        except psutil.Error:
            pass
        return None

    def kill9(self, name: str) -> None:
        """SIGKILL the process and its children at once (a crash, not a shutdown)."""
        process = self.process(name)
        if process is None:
            return
        victims = [process, *process.children(recursive=True)]
        for victim in victims:
            with contextlib.suppress(psutil.Error):
                victim.send_signal(signal.SIGKILL)
        psutil.wait_procs(victims, timeout=10)
        self._reap(process.pid)

    def stop(self, name: str, seconds: float = 15) -> None:
        """SIGTERM, then SIGKILL after `seconds`; forget the process."""
        process = self.process(name)
        if process is not None:
            process.terminate()
            _, alive = psutil.wait_procs([process], timeout=seconds)
            for survivor in alive:
                survivor.kill()
            psutil.wait_procs(alive, timeout=5)
            self._reap(process.pid)
        self.forget(name)

    @staticmethod
    def _reap(pid: int) -> None:
        """Collect our own child's exit status, if it is ours (no zombie left behind)."""
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
