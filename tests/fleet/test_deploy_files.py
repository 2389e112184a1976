"""deploy/: the files run as they are, and say what the issue asks of them."""

from __future__ import annotations

import shutil
import subprocess

import psycopg2
import pytest
import redis

from bench.fleet.topology import DEPLOY, SERVICE, Fleet


def test_the_fleet_runs_the_nginx_file_as_it_is(fleet: Fleet):
    assert (fleet.root / "nginx" / "nginx.conf").read_bytes() == (
        DEPLOY / "nginx.conf"
    ).read_bytes()


def test_redis_and_sentinel_rewrite_their_own_copies_never_the_deploy_files(fleet: Fleet):
    """Sentinel has the servers rewrite their config file (CONFIG REWRITE), and Sentinel rewrites
    its own: each runs a copy under the fleet's directory, and deploy/ stays as written."""
    for name in ("redis-1", "redis-2", "sentinel-1", "sentinel-2", "sentinel-3"):
        server = redis.Redis(port=fleet.ports[name], socket_timeout=5, decode_responses=True)
        assert server.info("server")["config_file"].startswith(str(fleet.root)), name
    for name in ("redis.conf", "sentinel.conf"):
        assert "CONFIG REWRITE" not in (DEPLOY / name).read_text()
    assert "\nport 6379\n" in (DEPLOY / "redis.conf").read_text()


def test_nginx_accepts_the_example_upstreams(tmp_path):
    shutil.copyfile(DEPLOY / "nginx.conf", tmp_path / "nginx.conf")
    shutil.copyfile(
        DEPLOY / "checkout_app_upstreams.conf", tmp_path / "checkout_app_upstreams.conf"
    )
    (tmp_path / "checkout_app_listen.conf").write_text("listen 127.0.0.1:8080;\n")
    (tmp_path / "logs").mkdir()
    (tmp_path / "temp").mkdir()
    done = subprocess.run(
        [
            "nginx",
            "-t",
            "-p",
            f"{tmp_path}/",
            "-c",
            str(tmp_path / "nginx.conf"),
            "-e",
            str(tmp_path / "logs" / "error.log"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_pgbouncer_pools_transactions_with_the_deploy_settings(fleet: Fleet):
    conn = psycopg2.connect(
        host="127.0.0.1",
        port=fleet.ports["pgbouncer"],
        dbname="pgbouncer",
        user="pgbouncer",
        connect_timeout=5,
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SHOW CONFIG")
        config = {row[0]: row[1] for row in cursor.fetchall()}
    conn.close()
    assert config["pool_mode"] == "transaction"
    assert config["max_client_conn"] == "1000"
    assert config["query_wait_timeout"] == "5"
    # every app process's own pool fits under PgBouncer's client limit many times over
    env = fleet.app_env()
    per_instance = int(env["DB_POOL_SIZE"]) + int(env["DB_MAX_OVERFLOW"])
    assert per_instance * len(fleet.apps) <= int(config["max_client_conn"])


def test_the_apps_server_timeouts_hold_through_pgbouncer(fleet: Fleet):
    """The app sends its timeouts as libpq `options`, which PgBouncer 1.18 refuses unless told
    to ignore it; the database entry's connect_query sets them on the server instead."""
    conn = psycopg2.connect(
        fleet.database_url.replace("postgresql+psycopg2", "postgresql"),
        options="-c statement_timeout=2000",
        connect_timeout=5,
    )
    with conn.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
        cursor.execute("SHOW lock_timeout")
        lock = cursor.fetchone()[0]
    conn.close()
    assert (statement, lock) == ("2s", "1500ms")


def test_three_sentinels_watch_one_primary_and_its_replica(fleet: Fleet):
    sentinel = redis.Redis(port=fleet.ports["sentinel-1"], socket_timeout=5, decode_responses=True)
    master = sentinel.sentinel_master(SERVICE)
    assert master["quorum"] == 2
    assert master["num-other-sentinels"] == 2
    assert master["num-slaves"] == 1


def test_the_systemd_unit_verifies():
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    done = subprocess.run(
        [analyze, "verify", str(DEPLOY / "checkout_app.service")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # The one complaint allowed: the release's virtualenv exists only on a deployed host.
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and "/srv/checkout_app/" not in line
    ]
    assert problems == []


def test_the_cron_file_runs_commands_the_app_has(make_app):
    commands = make_app().cli.list_commands(None)
    ran = []
    for line in (DEPLOY / "checkout_app.cron").read_text().splitlines():
        if not line.strip() or line.startswith("#") or "=" in line.split()[0]:
            continue
        fields = line.split(None, 6)
        assert len(fields) == 7, line  # five schedule fields, a user, a command
        ran.append(fields[6].split("--app wsgi ")[1].split()[0])
    assert sorted(ran) == ["expire-stale-orders", "send-notifications"]
    assert set(ran) <= set(commands)
