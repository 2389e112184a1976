"""The drill's faults: each breaks one part of the running fleet and says what it saw."""

from __future__ import annotations

import time

import psycopg2
import redis

from .servers import wait_until
from .topology import SERVICE, Fleet

SENTINELS = ("sentinel-1", "sentinel-2", "sentinel-3")
REDIS = ("redis-1", "redis-2")


def _sentinel(fleet: Fleet, name: str = "sentinel-1") -> redis.Redis:
    return redis.Redis(port=fleet.ports[name], socket_timeout=2, decode_responses=True)


def primary_port(fleet: Fleet) -> int | None:
    """The primary's port if all three Sentinels agree on it, else None."""
    ports = set()
    for name in SENTINELS:
        try:
            ports.add(int(_sentinel(fleet, name).sentinel_get_master_addr_by_name(SERVICE)[1]))
        except (redis.RedisError, TypeError):
            return None
    return ports.pop() if len(ports) == 1 else None


def primary_name(fleet: Fleet) -> str:
    port = primary_port(fleet)
    return next(name for name in REDIS if fleet.ports[name] == port)


def replica_caught_up(fleet: Fleet, seconds: float = 5) -> bool:
    """Wait until the replica has every write of the primary; whether it did in time."""
    primary = redis.Redis(port=primary_port(fleet), socket_timeout=2)
    try:
        return primary.wait(1, int(seconds * 1000)) >= 1
    except redis.RedisError:
        return False


def settle(fleet: Fleet, seconds: float = 60) -> float:
    """Wait until the Sentinels' primary is the only primary and the other server replicates
    it (an old primary keeps taking writes until Sentinel demotes it, and loses them then);
    the seconds it took."""

    def settled() -> bool:
        port = primary_port(fleet)
        try:
            infos = {
                fleet.ports[n]: redis.Redis(port=fleet.ports[n], socket_timeout=2).info(
                    "replication"
                )
                for n in REDIS
            }
        except redis.RedisError:
            return False
        replicas = [i for p, i in infos.items() if p != port]
        return infos.get(port, {}).get("role") == "master" and all(
            i["role"] == "slave" and i.get("master_link_status") == "up" for i in replicas
        )

    return wait_until(settled, seconds, "Redis did not settle on one primary and its replica")


def _new_primary(fleet: Fleet, old: int, seconds: float = 30) -> None:
    def moved() -> bool:
        port = primary_port(fleet)
        return port is not None and port != old

    wait_until(moved, seconds, f"Sentinel did not replace the primary on {old}")


def sentinel_failover(fleet: Fleet) -> str:
    old = primary_port(fleet)
    _sentinel(fleet).execute_command("SENTINEL", "FAILOVER", SERVICE)
    _new_primary(fleet, old)
    return f"primary {old} -> {primary_port(fleet)}"


def kill_redis_primary(fleet: Fleet) -> str:
    """kill -9 the primary; Sentinel promotes the replica; the old one comes back as replica."""
    victim = primary_name(fleet)
    old = fleet.ports[victim]
    fleet.registry.kill9(victim)
    _new_primary(fleet, old)
    fleet.start_redis(victim)  # Sentinel turns it into the new primary's replica
    return f"killed primary {old}, new primary {primary_port(fleet)}, {old} restarted"


def kill_app(fleet: Fleet, name: str = "app-3") -> str:
    fleet.registry.kill9(name)
    return f"kill -9 {name} (127.0.0.1:{fleet.ports[name]}) and its worker"


def restart_app(fleet: Fleet, name: str = "app-3") -> None:
    fleet.start_app(name)


def pgbouncer_pause(fleet: Fleet, seconds: float) -> str:
    """PAUSE (clients queue in PgBouncer), hold it `seconds`, then RESUME."""
    admin = psycopg2.connect(
        host="127.0.0.1",
        port=fleet.ports["pgbouncer"],
        dbname="pgbouncer",
        user="pgbouncer",
        connect_timeout=5,
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("PAUSE")
            time.sleep(seconds)  # the fault's length, not a wait for something to happen
            cursor.execute("RESUME")
    finally:
        admin.close()
    return f"PAUSE held {seconds:.0f} s, then RESUME"


def restart_postgres(fleet: Fleet) -> str:
    started = time.monotonic()
    fleet.postgres.restart()
    return f"pg_ctl restart -m fast took {time.monotonic() - started:.1f} s"
