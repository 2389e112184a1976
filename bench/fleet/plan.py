"""Where the fleet lives and what its parts are told: ports, secrets, URLs, the app's settings
(kept in `<root>/fleet.json`, so that `make fleet-stop` finds the same fleet)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from checkout_app.config import load_config

from .postgres import Cluster
from .servers import Registry, free_ports

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICE = "checkout"  # the Sentinel service name in deploy/sentinel.conf
DATABASE = "checkout"
MONITOR_LINE = f"sentinel monitor {SERVICE} 127.0.0.1 6379 2"
NAMES = (
    "nginx",
    "pgbouncer",
    "postgres",
    "redis-1",
    "redis-2",
    "sentinel-1",
    "sentinel-2",
    "sentinel-3",
    "stripe_sim",
    "app-1",
    "app-2",
    "app-3",
)


@dataclass
class Plan:
    """The fleet's layout under `root`; `Fleet` starts and stops it."""

    root: Path
    threads: int = 16
    settings: dict[str, str] = field(default_factory=dict)  # extra app settings (the drill's)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        self.registry = Registry(self.root)
        state = self.root / "fleet.json"
        if state.exists():
            self.state = json.loads(state.read_text())
        else:
            self.state = {
                "ports": dict(zip(NAMES, free_ports(len(NAMES)), strict=True)),
                "secret_key": secrets.token_hex(32),
                "webhook_secret": "whsec_" + secrets.token_urlsafe(24),
                "settings": self.settings,
            }
            state.write_text(json.dumps(self.state, indent=1))
        self.ports: dict[str, int] = self.state["ports"]
        self.apps = [name for name in NAMES if name.startswith("app-")]
        self.postgres = Cluster(self.root / "pg", self.ports["postgres"], self.registry)

    # -- addresses -------------------------------------------------------------------------

    @property
    def secret_key(self) -> str:
        """The fleet's SECRET_KEY, which seals the shopper session ids it issues."""
        return self.state["secret_key"]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def shop_url(self) -> str:
        return self.url("nginx")

    @property
    def database_url(self) -> str:
        """The app's database: through PgBouncer."""
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.ports['pgbouncer']}/{DATABASE}"

    @property
    def direct_url(self) -> str:
        """PostgreSQL itself: migrations and the drill's checks."""
        return self.postgres.url(DATABASE)

    @property
    def redis_url(self) -> str:
        sentinels = ",".join(f"127.0.0.1:{self.ports[f'sentinel-{n}']}" for n in (1, 2, 3))
        return f"redis+sentinel://{sentinels}/{SERVICE}/0"

    def app_env(self) -> dict[str, str]:
        """What every app instance gets: the same everywhere (docs/SCALING.md)."""
        return {
            "APP_ENV": "production",
            "SECRET_KEY": self.state["secret_key"],
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "STRIPE_SECRET_KEY": "sk_test_fleet",
            "STRIPE_API_BASE": self.url("stripe_sim"),
            "STRIPE_WEBHOOK_SECRET": self.state["webhook_secret"],
            "BASE_URL": self.shop_url,
            "TRUSTED_PROXY_COUNT": "1",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": str(self.threads),
            "GUNICORN_KEEPALIVE": "5",
            "DB_POOL_SIZE": str(self.threads // 2),
            "DB_MAX_OVERFLOW": str(self.threads - self.threads // 2),
            **self.state["settings"],
        }

    def server_timeouts(self) -> str:
        """The SETs PgBouncer runs on each server connection: the app's own timeouts, which it
        cannot send through PgBouncer (deploy/pgbouncer.ini)."""
        config = load_config(self.app_env())
        return (
            f"SET statement_timeout = {config['DB_STATEMENT_TIMEOUT_MS']}; "
            f"SET lock_timeout = {config['DB_LOCK_TIMEOUT_MS']}; "
            "SET idle_in_transaction_session_timeout = "
            f"{config['DB_IDLE_IN_TRANSACTION_TIMEOUT_MS']}"
        )

    def urls(self) -> dict[str, str]:
        return {
            "shop (nginx)": self.shop_url + "/",
            **{f"{name} (gunicorn)": self.url(name) for name in self.apps},
            "stripe simulator": self.url("stripe_sim"),
            "DATABASE_URL (PgBouncer)": self.database_url,
            "PostgreSQL (direct, migrations)": self.direct_url,
            "REDIS_URL": self.redis_url,
            "logs": str(self.root / "logs"),
        }
