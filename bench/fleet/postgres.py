"""The fleet's own PostgreSQL cluster (initdb + pg_ctl), so that the drill may restart it.

The machine's shared server is never touched. As root the cluster runs as `postgres`
(PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .servers import PG_USER, Registry, as_root, pg_bindir


class Cluster:
    """A cluster in `home/data` listening on 127.0.0.1:`port`, recorded as `postgres`."""

    def __init__(self, home: Path, port: int, registry: Registry) -> None:
        self.home = home
        self.data = home / "data"
        self.port = port
        self.registry = registry
        self.bindir = pg_bindir()

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str, timeout: float = 60) -> None:
        user = {"user": PG_USER} if as_root() else {}
        subprocess.run(
            [str(self.bindir / argv[0]), *argv[1:]],
            check=True,
            capture_output=True,
            timeout=timeout,
            cwd=self.home,
            start_new_session=True,  # the postmaster outlives this process (make fleet)
            **user,
        )

    def start(self) -> None:
        """initdb once, then start (a no-op when it runs)."""
        if self.registry.process("postgres"):
            return
        self.home.mkdir(parents=True, exist_ok=True)
        if as_root():
            shutil.chown(self.home, PG_USER, PG_USER)
        if not (self.data / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            )
        options = (
            f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c max_connections=100"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.home / "postgres.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self._adopt()

    def restart(self) -> None:
        """A fast restart: sessions are cut, in-flight transactions roll back."""
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.home / "postgres.log"),
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "restart",
        )
        self._adopt()

    def stop(self) -> None:
        if self.registry.process("postgres"):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
        self.registry.forget("postgres")

    def _adopt(self) -> None:
        pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
        self.registry.adopt("postgres", pid)
