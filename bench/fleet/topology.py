"""The fleet on one machine: nginx -> 3 gunicorn instances -> PgBouncer -> PostgreSQL, Redis
with Sentinel, the Stripe simulator. Every server runs its file from deploy/ as it is; only
what differs per machine (ports, directories, the Sentinel monitor address) is added here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from .plan import DATABASE, DEPLOY, MONITOR_LINE, NAMES, ROOT, SERVICE, Plan
from .servers import as_root, find_binary, listening, wait_until

__all__ = ["DATABASE", "DEPLOY", "ROOT", "SERVICE", "Fleet"]


def _chown_postgres(*paths: Path) -> None:
    for path in paths:
        if as_root():
            shutil.chown(path, "postgres", "postgres")


class Fleet(Plan):
    """Start, inspect and stop the fleet whose files live under `root`."""

    # -- start and stop --------------------------------------------------------------------

    def start(self) -> None:
        """Start every server that is not running yet; return once all answer."""
        self.postgres.start()
        self._database()
        self._pgbouncer()
        self.start_redis("redis-1")
        self.start_redis("redis-2", replica_of=self.ports["redis-1"])
        for n in (1, 2, 3):
            self._sentinel(f"sentinel-{n}")
        self._simulator()
        for name in self.apps:
            self.start_app(name)
        self._nginx()
        for name in self.apps:
            wait_until(lambda n=name: listening(self.ports[n]), 60, f"{name} did not start")

    def stop(self) -> None:
        """Stop what this fleet started (by recorded pid), in reverse order."""
        for name in (
            "nginx",
            *self.apps,
            "stripe_sim",
            "sentinel-1",
            "sentinel-2",
            "sentinel-3",
            "redis-1",
            "redis-2",
            "pgbouncer",
        ):
            self.registry.stop(name)
        self.postgres.stop()

    def running(self) -> list[str]:
        return [name for name in NAMES if self.registry.process(name)]

    def _log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    def _spawn(self, name: str, argv: list[str], **kwargs) -> None:
        if self.registry.process(name) is None:
            self.registry.spawn(name, argv, self._log(name), **kwargs)
        port = self.ports[name]
        wait_until(
            lambda: listening(port), 30, f"{name} did not listen on {port}: see {self._log(name)}"
        )

    def _database(self) -> None:
        admin = create_engine(self.postgres.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": DATABASE}
            ):
                conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
        admin.dispose()
        config = Config(str(ROOT / "alembic.ini"))
        config.set_main_option("sqlalchemy.url", self.direct_url)
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")

    def _pgbouncer(self) -> None:
        home = self.root / "pgbouncer"
        home.mkdir(exist_ok=True)
        (home / "userlist.txt").write_text('"postgres" ""\n"pgbouncer" ""\n')
        # The deploy file as it is: this machine's database entry goes under [databases], and
        # its [pgbouncer] settings at the end (the file's last section; later lines win).
        database = (
            f"{DATABASE} = host=127.0.0.1 port={self.ports['postgres']} dbname={DATABASE} "
            f"connect_query='{self.server_timeouts()}'\n"
        )
        local = (
            f"\n; this machine ({__name__})\nlisten_port = {self.ports['pgbouncer']}\n"
            f"auth_type = trust\nauth_file = {home / 'userlist.txt'}\n"
            f"pidfile = {home / 'pgbouncer.pid'}\n"
        )
        source = (DEPLOY / "pgbouncer.ini").read_text()
        config = source.replace("[databases]\n", "[databases]\n" + database, 1) + local
        (home / "pgbouncer.ini").write_text(config)
        _chown_postgres(home, home / "userlist.txt", home / "pgbouncer.ini")
        user = {"user": "postgres"} if as_root() else {}
        self._spawn("pgbouncer", [find_binary("pgbouncer"), str(home / "pgbouncer.ini")], **user)

    def start_redis(self, name: str, replica_of: int | None = None) -> None:
        """A Redis server on deploy/redis.conf (Sentinel makes a restarted one a replica)."""
        home = self.root / name
        home.mkdir(exist_ok=True)
        # Sentinel makes servers rewrite their config file (CONFIG REWRITE): each gets a copy.
        conf = home / "redis.conf"
        if not conf.exists():
            shutil.copyfile(DEPLOY / "redis.conf", conf)
        argv = [
            find_binary("redis-server"),
            str(conf),
            "--port",
            str(self.ports[name]),
            "--dir",
            str(home),
        ]
        if replica_of:
            argv += ["--replicaof", "127.0.0.1", str(replica_of)]
        self._spawn(name, argv)

    def _sentinel(self, name: str) -> None:
        home = self.root / name
        home.mkdir(exist_ok=True)
        conf = home / "sentinel.conf"
        if not conf.exists():  # Sentinel rewrites its file: keep what it learned
            source = (DEPLOY / "sentinel.conf").read_text()
            monitor = f"sentinel monitor {SERVICE} 127.0.0.1 {self.ports['redis-1']} 2"
            conf.write_text(source.replace(MONITOR_LINE, monitor))
        argv = [
            find_binary("redis-sentinel"),
            str(conf),
            "--port",
            str(self.ports[name]),
            "--dir",
            str(home),
        ]
        self._spawn(name, argv)

    def _simulator(self) -> None:
        argv = [
            sys.executable,
            "-m",
            "checkout_app.stripe_sim",
            "--port",
            str(self.ports["stripe_sim"]),
            "--webhook-url",
            f"{self.shop_url}/api/webhooks/stripe",
            "--webhook-secret",
            self.state["webhook_secret"],
        ]
        self._spawn("stripe_sim", argv, cwd=ROOT)

    def start_app(self, name: str) -> None:
        """One app instance: gunicorn on gunicorn.conf.py, on its own port."""
        env = {**os.environ, **self.app_env(), "HOST": "127.0.0.1", "PORT": str(self.ports[name])}
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self._spawn(name, [gunicorn, "-c", "gunicorn.conf.py", "wsgi:app"], env=env, cwd=ROOT)

    def _nginx(self) -> None:
        prefix = self.root / "nginx"
        for sub in ("logs", "temp"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        if as_root():  # workers run as nobody and write request bodies under temp/
            shutil.chown(prefix / "temp", "nobody", "nogroup")
        shutil.copyfile(DEPLOY / "nginx.conf", prefix / "nginx.conf")
        (prefix / "checkout_app_listen.conf").write_text(
            f"listen 127.0.0.1:{self.ports['nginx']};\n"
        )
        (prefix / "checkout_app_upstreams.conf").write_text(
            "".join(
                f"server 127.0.0.1:{self.ports[n]} max_fails=1 fail_timeout=10s;\n"
                for n in self.apps
            )
        )
        argv = [
            find_binary("nginx"),
            "-p",
            f"{prefix}/",
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(prefix / "logs" / "error.log"),
            "-g",
            "daemon off;",
        ]
        self._spawn("nginx", argv)

    def cli(self, command: str) -> str:
        """`flask <command>` with the app's settings (migrations' direct URL); its output."""
        flask = str(Path(sys.executable).with_name("flask"))
        env = {**os.environ, **self.app_env(), "DATABASE_URL": self.direct_url}
        done = subprocess.run(
            [flask, "--app", "wsgi", command],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return done.stdout
