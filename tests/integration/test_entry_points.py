"""The factory starts nothing; the entry points resolve the dev stack; newcomer polish."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests

from ..helpers import add_to_cart, count_rows, free_port

ROOT = Path(__file__).resolve().parents[2]
BACKENDS_LINE = "checkout_app env="


def run_python(
    code: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_create_app_imports_no_dev_stack(base_env):
    code = (
        "import sys; from checkout_app import create_app; create_app();"
        "dev = ('checkout_app.dev', 'checkout_app.stripe_sim');"
        "print([m for m in sys.modules if m.startswith(dev)])"
    )
    done = run_python(code, {**os.environ, **base_env, "APP_ENV": "development"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_create_app_without_backends_refuses_instead_of_starting_servers(base_env):
    env = {**os.environ, **base_env, "APP_ENV": "development", "DATABASE_URL": "", "REDIS_URL": ""}
    code = "from checkout_app import create_app; create_app()"
    done = run_python(code, env)
    assert done.returncode != 0
    assert "DATABASE_URL and REDIS_URL unset" in done.stderr


def test_a_plain_postgresql_url_works(make_app, database_url, catalog):
    plain = "postgresql://" + database_url.split("://", 1)[1]
    client = make_app(DATABASE_URL=plain).test_client()
    assert client.get("/readyz").status_code == 200
    assert add_to_cart(client, "course", catalog.course).status_code == 201


def test_seed_summary_is_one_line(make_app, db):
    runner = make_app().test_cli_runner()
    listed = runner.invoke(args=["seed-catalog"])
    summary = runner.invoke(args=["seed-catalog", "--summary"])
    items = json.loads(listed.output)
    assert summary.exit_code == 0
    assert summary.output.count("\n") == 1
    assert f"{sum(i['itemType'] == 'course' for i in items)} courses" in summary.output
    assert count_rows(db)["orders"] == 0


def test_dev_gunicorn_logs_one_backends_line_and_listens_on_loopback(base_env, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        **base_env,
        "APP_ENV": "development",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
    }
    env.pop("HOST", None)
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        booted = 0
        while booted < 2 and time.monotonic() < deadline and server.poll() is None:
            booted = log_path.read_text().count("Booting worker")
            time.sleep(0.1)
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok
    finally:
        server.terminate()
        server.wait(timeout=30)
    log_text = log_path.read_text()
    assert booted == 2, log_text
    assert log_text.count(BACKENDS_LINE) == 1, log_text
    assert f"Listening at: http://127.0.0.1:{port}" in log_text
    assert "not configured" not in log_text


def test_make_stop_stops_the_embedded_servers(tmp_path):
    env = {**os.environ, "CHECKOUT_INSTANCE_DIR": str(tmp_path)}
    code = "from checkout_app.dev import embedded; embedded.database_url(); embedded.redis_url()"
    stop = [sys.executable, "-m", "checkout_app.dev", "stop"]
    try:
        started = run_python(code, env, timeout=300)
        assert started.returncode == 0, started.stderr
        assert (tmp_path / "pgdata" / "postmaster.pid").exists()

        stopped = subprocess.run(
            stop, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

        assert stopped.returncode == 0, stopped.stderr
        assert "postgresql" in stopped.stdout and "redis" in stopped.stdout
        assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
        with pytest.raises(redis.ConnectionError):
            redis.Redis(unix_socket_path=str(tmp_path / "redis.sock"), socket_timeout=2).ping()
    finally:
        subprocess.run(stop, cwd=ROOT, env=env, capture_output=True, timeout=300)
